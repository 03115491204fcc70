"""How the kit's nameko extensions find the service's SQLAlchemy engine.

The service owns its engine (pool size, URL, SQLite file); the kit only
borrows it. ``engine`` in the kit's extensions is one of:
- the attribute name of another DependencyProvider declared on the service
  whose instance exposes ``.engine`` (an Engine, or a callable returning one)
  once set up, e.g. ``db = Database(...)`` and ``engine="db"``;
- a callable ``factory(config) -> Engine`` (nameko.config is passed);
- an Engine.
It is resolved lazily, after every extension's setup() has run.
"""

from __future__ import annotations

from typing import Any, Callable, Union

from sqlalchemy.engine import Engine

EngineSpec = Union[str, Callable[[Any], Engine], Engine]


def resolve_engine(container, spec: EngineSpec) -> Engine:
    if isinstance(spec, Engine):
        return spec
    if isinstance(spec, str):
        for dep in container.dependencies:
            if getattr(dep, "attr_name", None) == spec:
                engine = getattr(dep, "engine", None)
                if callable(engine) and not isinstance(engine, Engine):
                    engine = engine()
                if not isinstance(engine, Engine):
                    raise RuntimeError(
                        "dependency %r of %s exposes no SQLAlchemy engine (.engine) yet"
                        % (spec, container.service_name)
                    )
                return engine
        raise RuntimeError(
            "service %s declares no dependency named %r to take the engine from" % (container.service_name, spec)
        )
    if callable(spec):
        from nameko import config

        engine = spec(config)
        if not isinstance(engine, Engine):
            raise RuntimeError("engine factory returned %r, not an Engine" % (engine,))
        return engine
    raise TypeError("engine must be a dependency name, a factory or an Engine")
