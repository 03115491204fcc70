"""The e2e walking skeleton, unchanged, against the cluster: a complaint with a photo through the
gateway's Service to an e-mail in the SMTP sink, tracked by code, its photo in the bundled S3
server, its event on the bundled Kafka, its rows in the bundled PostgreSQL; and every gRPC
service answering health and reflection through its Service."""

from e2e_tests.test_walking_skeleton import (  # noqa: F401  (collected here, run on the cluster)
    test_bad_input_gets_a_problem_body,
    test_complaint_with_photo_travels_the_whole_path,
    test_every_service_serves_health_and_reflection,
)
