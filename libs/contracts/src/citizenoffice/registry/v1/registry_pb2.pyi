from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Phase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PHASE_UNSPECIFIED: _ClassVar[Phase]
    CREATION: _ClassVar[Phase]
    IMPLEMENTATION: _ClassVar[Phase]
    OPERATIONALIZATION: _ClassVar[Phase]
    EVALUATION: _ClassVar[Phase]
    INSTITUTIONALIZATION: _ClassVar[Phase]
PHASE_UNSPECIFIED: Phase
CREATION: Phase
IMPLEMENTATION: Phase
OPERATIONALIZATION: Phase
EVALUATION: Phase
INSTITUTIONALIZATION: Phase

class LocalizedName(_message.Message):
    __slots__ = ("ar", "fr", "zgh", "en")
    AR_FIELD_NUMBER: _ClassVar[int]
    FR_FIELD_NUMBER: _ClassVar[int]
    ZGH_FIELD_NUMBER: _ClassVar[int]
    EN_FIELD_NUMBER: _ClassVar[int]
    ar: str
    fr: str
    zgh: str
    en: str
    def __init__(self, ar: _Optional[str] = ..., fr: _Optional[str] = ..., zgh: _Optional[str] = ..., en: _Optional[str] = ...) -> None: ...

class Office(_message.Message):
    __slots__ = ("office_id", "slug", "commune_code", "name", "phase", "status", "timezone", "instance_id")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    SLUG_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    slug: str
    commune_code: str
    name: LocalizedName
    phase: Phase
    status: str
    timezone: str
    instance_id: str
    def __init__(self, office_id: _Optional[str] = ..., slug: _Optional[str] = ..., commune_code: _Optional[str] = ..., name: _Optional[_Union[LocalizedName, _Mapping]] = ..., phase: _Optional[_Union[Phase, str]] = ..., status: _Optional[str] = ..., timezone: _Optional[str] = ..., instance_id: _Optional[str] = ...) -> None: ...

class GetOfficeRequest(_message.Message):
    __slots__ = ("office_id",)
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    def __init__(self, office_id: _Optional[str] = ...) -> None: ...

class ListOfficesRequest(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: str
    def __init__(self, status: _Optional[str] = ...) -> None: ...

class ListOfficesResponse(_message.Message):
    __slots__ = ("offices",)
    OFFICES_FIELD_NUMBER: _ClassVar[int]
    offices: _containers.RepeatedCompositeFieldContainer[Office]
    def __init__(self, offices: _Optional[_Iterable[_Union[Office, _Mapping]]] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("latitude", "longitude")
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ...) -> None: ...

class OpeningHours(_message.Message):
    __slots__ = ("weekday", "opens", "closes")
    WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    OPENS_FIELD_NUMBER: _ClassVar[int]
    CLOSES_FIELD_NUMBER: _ClassVar[int]
    weekday: str
    opens: str
    closes: str
    def __init__(self, weekday: _Optional[str] = ..., opens: _Optional[str] = ..., closes: _Optional[str] = ...) -> None: ...

class StaffMember(_message.Message):
    __slots__ = ("account_id", "role")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    role: str
    def __init__(self, account_id: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class PhaseStep(_message.Message):
    __slots__ = ("phase", "changed_on", "reason", "changed_by")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_ON_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    phase: Phase
    changed_on: str
    reason: str
    changed_by: str
    def __init__(self, phase: _Optional[_Union[Phase, str]] = ..., changed_on: _Optional[str] = ..., reason: _Optional[str] = ..., changed_by: _Optional[str] = ...) -> None: ...

class OfficeProfile(_message.Message):
    __slots__ = ("office", "address", "location", "opening_hours", "phone", "email", "staff", "phase_history", "region_code", "province_code")
    OFFICE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    OPENING_HOURS_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    STAFF_FIELD_NUMBER: _ClassVar[int]
    PHASE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_CODE_FIELD_NUMBER: _ClassVar[int]
    office: Office
    address: str
    location: Location
    opening_hours: _containers.RepeatedCompositeFieldContainer[OpeningHours]
    phone: str
    email: str
    staff: _containers.RepeatedCompositeFieldContainer[StaffMember]
    phase_history: _containers.RepeatedCompositeFieldContainer[PhaseStep]
    region_code: str
    province_code: str
    def __init__(self, office: _Optional[_Union[Office, _Mapping]] = ..., address: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., opening_hours: _Optional[_Iterable[_Union[OpeningHours, _Mapping]]] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., staff: _Optional[_Iterable[_Union[StaffMember, _Mapping]]] = ..., phase_history: _Optional[_Iterable[_Union[PhaseStep, _Mapping]]] = ..., region_code: _Optional[str] = ..., province_code: _Optional[str] = ...) -> None: ...

class CreateOfficeRequest(_message.Message):
    __slots__ = ("slug", "commune_code", "name", "phase", "status", "address", "location", "opening_hours", "phone", "email", "actor")
    SLUG_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    OPENING_HOURS_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    slug: str
    commune_code: str
    name: LocalizedName
    phase: Phase
    status: str
    address: str
    location: Location
    opening_hours: _containers.RepeatedCompositeFieldContainer[OpeningHours]
    phone: str
    email: str
    actor: str
    def __init__(self, slug: _Optional[str] = ..., commune_code: _Optional[str] = ..., name: _Optional[_Union[LocalizedName, _Mapping]] = ..., phase: _Optional[_Union[Phase, str]] = ..., status: _Optional[str] = ..., address: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., opening_hours: _Optional[_Iterable[_Union[OpeningHours, _Mapping]]] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class UpdateOfficeRequest(_message.Message):
    __slots__ = ("office_id", "address", "location", "opening_hours", "phone", "email", "status", "staff", "replace_staff")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    OPENING_HOURS_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STAFF_FIELD_NUMBER: _ClassVar[int]
    REPLACE_STAFF_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    address: str
    location: Location
    opening_hours: _containers.RepeatedCompositeFieldContainer[OpeningHours]
    phone: str
    email: str
    status: str
    staff: _containers.RepeatedCompositeFieldContainer[StaffMember]
    replace_staff: bool
    def __init__(self, office_id: _Optional[str] = ..., address: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., opening_hours: _Optional[_Iterable[_Union[OpeningHours, _Mapping]]] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., status: _Optional[str] = ..., staff: _Optional[_Iterable[_Union[StaffMember, _Mapping]]] = ..., replace_staff: _Optional[bool] = ...) -> None: ...

class ChangePhaseRequest(_message.Message):
    __slots__ = ("office_id", "phase", "reason", "changed_on", "actor")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_ON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    phase: Phase
    reason: str
    changed_on: str
    actor: str
    def __init__(self, office_id: _Optional[str] = ..., phase: _Optional[_Union[Phase, str]] = ..., reason: _Optional[str] = ..., changed_on: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class Participants(_message.Message):
    __slots__ = ("women", "men", "others")
    WOMEN_FIELD_NUMBER: _ClassVar[int]
    MEN_FIELD_NUMBER: _ClassVar[int]
    OTHERS_FIELD_NUMBER: _ClassVar[int]
    women: int
    men: int
    others: int
    def __init__(self, women: _Optional[int] = ..., men: _Optional[int] = ..., others: _Optional[int] = ...) -> None: ...

class Activity(_message.Message):
    __slots__ = ("activity_id", "office_id", "kind", "theme", "held_on", "place", "title", "participants", "document_ids", "phase", "instance_id")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    THEME_FIELD_NUMBER: _ClassVar[int]
    HELD_ON_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_IDS_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    office_id: str
    kind: str
    theme: str
    held_on: str
    place: str
    title: str
    participants: Participants
    document_ids: _containers.RepeatedScalarFieldContainer[str]
    phase: Phase
    instance_id: str
    def __init__(self, activity_id: _Optional[str] = ..., office_id: _Optional[str] = ..., kind: _Optional[str] = ..., theme: _Optional[str] = ..., held_on: _Optional[str] = ..., place: _Optional[str] = ..., title: _Optional[str] = ..., participants: _Optional[_Union[Participants, _Mapping]] = ..., document_ids: _Optional[_Iterable[str]] = ..., phase: _Optional[_Union[Phase, str]] = ..., instance_id: _Optional[str] = ...) -> None: ...

class RecordActivityRequest(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class ListActivitiesRequest(_message.Message):
    __slots__ = ("office_id", "kind", "from_date", "to_date")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    kind: str
    from_date: str
    to_date: str
    def __init__(self, office_id: _Optional[str] = ..., kind: _Optional[str] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ...) -> None: ...

class ListActivitiesResponse(_message.Message):
    __slots__ = ("activities",)
    ACTIVITIES_FIELD_NUMBER: _ClassVar[int]
    activities: _containers.RepeatedCompositeFieldContainer[Activity]
    def __init__(self, activities: _Optional[_Iterable[_Union[Activity, _Mapping]]] = ...) -> None: ...

class AchievementsRequest(_message.Message):
    __slots__ = ("scope", "key")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    scope: str
    key: str
    def __init__(self, scope: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class KindCount(_message.Message):
    __slots__ = ("kind", "count")
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    count: int
    def __init__(self, kind: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class PhaseFigures(_message.Message):
    __slots__ = ("phase", "offices", "activities", "by_kind")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    OFFICES_FIELD_NUMBER: _ClassVar[int]
    ACTIVITIES_FIELD_NUMBER: _ClassVar[int]
    BY_KIND_FIELD_NUMBER: _ClassVar[int]
    phase: Phase
    offices: int
    activities: int
    by_kind: _containers.RepeatedCompositeFieldContainer[KindCount]
    def __init__(self, phase: _Optional[_Union[Phase, str]] = ..., offices: _Optional[int] = ..., activities: _Optional[int] = ..., by_kind: _Optional[_Iterable[_Union[KindCount, _Mapping]]] = ...) -> None: ...

class Achievements(_message.Message):
    __slots__ = ("scope", "key", "offices_total", "offices_by_status", "phases", "workshops_by_theme", "participants", "activities_total", "instances")
    class OfficesByStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class WorkshopsByThemeEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OFFICES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    OFFICES_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    WORKSHOPS_BY_THEME_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    ACTIVITIES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    scope: str
    key: str
    offices_total: int
    offices_by_status: _containers.ScalarMap[str, int]
    phases: _containers.RepeatedCompositeFieldContainer[PhaseFigures]
    workshops_by_theme: _containers.ScalarMap[str, int]
    participants: Participants
    activities_total: int
    instances: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scope: _Optional[str] = ..., key: _Optional[str] = ..., offices_total: _Optional[int] = ..., offices_by_status: _Optional[_Mapping[str, int]] = ..., phases: _Optional[_Iterable[_Union[PhaseFigures, _Mapping]]] = ..., workshops_by_theme: _Optional[_Mapping[str, int]] = ..., participants: _Optional[_Union[Participants, _Mapping]] = ..., activities_total: _Optional[int] = ..., instances: _Optional[_Iterable[str]] = ...) -> None: ...

class MemberFigures(_message.Message):
    __slots__ = ("instance_id", "name", "figures", "withdrawn")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    name: str
    figures: Achievements
    withdrawn: bool
    def __init__(self, instance_id: _Optional[str] = ..., name: _Optional[str] = ..., figures: _Optional[_Union[Achievements, _Mapping]] = ..., withdrawn: _Optional[bool] = ...) -> None: ...

class MemberFiguresReply(_message.Message):
    __slots__ = ("instance_id", "reported_at")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    reported_at: str
    def __init__(self, instance_id: _Optional[str] = ..., reported_at: _Optional[str] = ...) -> None: ...

class TerritoryUnit(_message.Message):
    __slots__ = ("code", "level", "parent_code", "name", "population", "commune_type", "petition_signatures")
    CODE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PETITION_SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    code: str
    level: str
    parent_code: str
    name: LocalizedName
    population: int
    commune_type: str
    petition_signatures: int
    def __init__(self, code: _Optional[str] = ..., level: _Optional[str] = ..., parent_code: _Optional[str] = ..., name: _Optional[_Union[LocalizedName, _Mapping]] = ..., population: _Optional[int] = ..., commune_type: _Optional[str] = ..., petition_signatures: _Optional[int] = ...) -> None: ...

class ListTerritoryRequest(_message.Message):
    __slots__ = ("parent_code", "level")
    PARENT_CODE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    parent_code: str
    level: str
    def __init__(self, parent_code: _Optional[str] = ..., level: _Optional[str] = ...) -> None: ...

class ListTerritoryResponse(_message.Message):
    __slots__ = ("units",)
    UNITS_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[TerritoryUnit]
    def __init__(self, units: _Optional[_Iterable[_Union[TerritoryUnit, _Mapping]]] = ...) -> None: ...

class GetTerritoryUnitRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class RemoveTerritoryRequest(_message.Message):
    __slots__ = ("code", "with_descendants")
    CODE_FIELD_NUMBER: _ClassVar[int]
    WITH_DESCENDANTS_FIELD_NUMBER: _ClassVar[int]
    code: str
    with_descendants: bool
    def __init__(self, code: _Optional[str] = ..., with_descendants: _Optional[bool] = ...) -> None: ...

class RemoveTerritoryReply(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: int
    def __init__(self, removed: _Optional[int] = ...) -> None: ...

class CatalogueEntry(_message.Message):
    __slots__ = ("code", "request_type", "category", "name", "deadline_count", "deadline_unit", "legal_basis", "department", "requires_location", "requires_attachments", "active", "publicity", "anonymous_allowed")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_TYPE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_UNIT_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_LOCATION_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    PUBLICITY_FIELD_NUMBER: _ClassVar[int]
    ANONYMOUS_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    code: str
    request_type: str
    category: str
    name: LocalizedName
    deadline_count: int
    deadline_unit: str
    legal_basis: str
    department: str
    requires_location: bool
    requires_attachments: bool
    active: bool
    publicity: str
    anonymous_allowed: bool
    def __init__(self, code: _Optional[str] = ..., request_type: _Optional[str] = ..., category: _Optional[str] = ..., name: _Optional[_Union[LocalizedName, _Mapping]] = ..., deadline_count: _Optional[int] = ..., deadline_unit: _Optional[str] = ..., legal_basis: _Optional[str] = ..., department: _Optional[str] = ..., requires_location: _Optional[bool] = ..., requires_attachments: _Optional[bool] = ..., active: _Optional[bool] = ..., publicity: _Optional[str] = ..., anonymous_allowed: _Optional[bool] = ...) -> None: ...

class ListCategoriesRequest(_message.Message):
    __slots__ = ("office_id", "include_inactive")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    include_inactive: bool
    def __init__(self, office_id: _Optional[str] = ..., include_inactive: _Optional[bool] = ...) -> None: ...

class ListCategoriesResponse(_message.Message):
    __slots__ = ("office_id", "entries")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    entries: _containers.RepeatedCompositeFieldContainer[CatalogueEntry]
    def __init__(self, office_id: _Optional[str] = ..., entries: _Optional[_Iterable[_Union[CatalogueEntry, _Mapping]]] = ...) -> None: ...

class SetCatalogueEntryRequest(_message.Message):
    __slots__ = ("office_id", "entry")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    entry: CatalogueEntry
    def __init__(self, office_id: _Optional[str] = ..., entry: _Optional[_Union[CatalogueEntry, _Mapping]] = ...) -> None: ...

class HolidayRule(_message.Message):
    __slots__ = ("key", "name_fr", "name_ar", "month", "day", "date", "from_year", "religious", "confirmed")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FR_FIELD_NUMBER: _ClassVar[int]
    NAME_AR_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    FROM_YEAR_FIELD_NUMBER: _ClassVar[int]
    RELIGIOUS_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    key: str
    name_fr: str
    name_ar: str
    month: int
    day: int
    date: str
    from_year: int
    religious: bool
    confirmed: bool
    def __init__(self, key: _Optional[str] = ..., name_fr: _Optional[str] = ..., name_ar: _Optional[str] = ..., month: _Optional[int] = ..., day: _Optional[int] = ..., date: _Optional[str] = ..., from_year: _Optional[int] = ..., religious: _Optional[bool] = ..., confirmed: _Optional[bool] = ...) -> None: ...

class CalendarHoliday(_message.Message):
    __slots__ = ("date", "name", "confirmed")
    DATE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIRMED_FIELD_NUMBER: _ClassVar[int]
    date: str
    name: str
    confirmed: bool
    def __init__(self, date: _Optional[str] = ..., name: _Optional[str] = ..., confirmed: _Optional[bool] = ...) -> None: ...

class GetCalendarRequest(_message.Message):
    __slots__ = ("from_year", "to_year")
    FROM_YEAR_FIELD_NUMBER: _ClassVar[int]
    TO_YEAR_FIELD_NUMBER: _ClassVar[int]
    from_year: int
    to_year: int
    def __init__(self, from_year: _Optional[int] = ..., to_year: _Optional[int] = ...) -> None: ...

class Calendar(_message.Message):
    __slots__ = ("instance_id", "weekend_days", "holidays", "covered_years", "rules")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    WEEKEND_DAYS_FIELD_NUMBER: _ClassVar[int]
    HOLIDAYS_FIELD_NUMBER: _ClassVar[int]
    COVERED_YEARS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    weekend_days: _containers.RepeatedScalarFieldContainer[int]
    holidays: _containers.RepeatedCompositeFieldContainer[CalendarHoliday]
    covered_years: _containers.RepeatedScalarFieldContainer[int]
    rules: _containers.RepeatedCompositeFieldContainer[HolidayRule]
    def __init__(self, instance_id: _Optional[str] = ..., weekend_days: _Optional[_Iterable[int]] = ..., holidays: _Optional[_Iterable[_Union[CalendarHoliday, _Mapping]]] = ..., covered_years: _Optional[_Iterable[int]] = ..., rules: _Optional[_Iterable[_Union[HolidayRule, _Mapping]]] = ...) -> None: ...

class SetHolidayRequest(_message.Message):
    __slots__ = ("rule",)
    RULE_FIELD_NUMBER: _ClassVar[int]
    rule: HolidayRule
    def __init__(self, rule: _Optional[_Union[HolidayRule, _Mapping]] = ...) -> None: ...

class DeleteHolidayRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: str
    def __init__(self, key: _Optional[str] = ...) -> None: ...

class SetWeekendRequest(_message.Message):
    __slots__ = ("weekend_days",)
    WEEKEND_DAYS_FIELD_NUMBER: _ClassVar[int]
    weekend_days: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, weekend_days: _Optional[_Iterable[int]] = ...) -> None: ...

class WorkingDaysBetweenRequest(_message.Message):
    __slots__ = ("from_date", "to_date")
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    from_date: str
    to_date: str
    def __init__(self, from_date: _Optional[str] = ..., to_date: _Optional[str] = ...) -> None: ...

class AddWorkingDaysRequest(_message.Message):
    __slots__ = ("from_date", "days")
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    from_date: str
    days: int
    def __init__(self, from_date: _Optional[str] = ..., days: _Optional[int] = ...) -> None: ...

class WorkingDaysReply(_message.Message):
    __slots__ = ("date", "working_days", "provisional", "holidays_crossed")
    DATE_FIELD_NUMBER: _ClassVar[int]
    WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    PROVISIONAL_FIELD_NUMBER: _ClassVar[int]
    HOLIDAYS_CROSSED_FIELD_NUMBER: _ClassVar[int]
    date: str
    working_days: int
    provisional: bool
    holidays_crossed: _containers.RepeatedCompositeFieldContainer[CalendarHoliday]
    def __init__(self, date: _Optional[str] = ..., working_days: _Optional[int] = ..., provisional: _Optional[bool] = ..., holidays_crossed: _Optional[_Iterable[_Union[CalendarHoliday, _Mapping]]] = ...) -> None: ...

class ImportRequest(_message.Message):
    __slots__ = ("kind", "format", "content", "dry_run")
    KIND_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    kind: str
    format: str
    content: bytes
    dry_run: bool
    def __init__(self, kind: _Optional[str] = ..., format: _Optional[str] = ..., content: _Optional[bytes] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class RowError(_message.Message):
    __slots__ = ("row", "key", "field", "reason", "message")
    ROW_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    row: int
    key: str
    field: str
    reason: str
    message: str
    def __init__(self, row: _Optional[int] = ..., key: _Optional[str] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ImportReply(_message.Message):
    __slots__ = ("applied", "rows", "created", "updated", "errors")
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    applied: bool
    rows: int
    created: int
    updated: int
    errors: _containers.RepeatedCompositeFieldContainer[RowError]
    def __init__(self, applied: _Optional[bool] = ..., rows: _Optional[int] = ..., created: _Optional[int] = ..., updated: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[RowError, _Mapping]]] = ...) -> None: ...

class ExportRequest(_message.Message):
    __slots__ = ("kind", "format")
    KIND_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    format: str
    def __init__(self, kind: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...

class ExportReply(_message.Message):
    __slots__ = ("content", "rows", "media_type")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    rows: int
    media_type: str
    def __init__(self, content: _Optional[bytes] = ..., rows: _Optional[int] = ..., media_type: _Optional[str] = ...) -> None: ...

class OfficeCreated(_message.Message):
    __slots__ = ("office",)
    OFFICE_FIELD_NUMBER: _ClassVar[int]
    office: Office
    def __init__(self, office: _Optional[_Union[Office, _Mapping]] = ...) -> None: ...

class OfficePhaseChanged(_message.Message):
    __slots__ = ("office_id", "from_phase", "to_phase", "reason", "changed_on")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_PHASE_FIELD_NUMBER: _ClassVar[int]
    TO_PHASE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_ON_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    from_phase: Phase
    to_phase: Phase
    reason: str
    changed_on: str
    def __init__(self, office_id: _Optional[str] = ..., from_phase: _Optional[_Union[Phase, str]] = ..., to_phase: _Optional[_Union[Phase, str]] = ..., reason: _Optional[str] = ..., changed_on: _Optional[str] = ...) -> None: ...

class OfficeUpdated(_message.Message):
    __slots__ = ("office",)
    OFFICE_FIELD_NUMBER: _ClassVar[int]
    office: Office
    def __init__(self, office: _Optional[_Union[Office, _Mapping]] = ...) -> None: ...

class ActivityRecorded(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class CatalogueChanged(_message.Message):
    __slots__ = ("office_id", "codes")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    CODES_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, office_id: _Optional[str] = ..., codes: _Optional[_Iterable[str]] = ...) -> None: ...

class CalendarChanged(_message.Message):
    __slots__ = ("instance_id", "keys")
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    instance_id: str
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, instance_id: _Optional[str] = ..., keys: _Optional[_Iterable[str]] = ...) -> None: ...
