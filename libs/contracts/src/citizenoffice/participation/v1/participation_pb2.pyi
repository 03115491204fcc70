import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QuestionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUESTION_KIND_UNSPECIFIED: _ClassVar[QuestionKind]
    SINGLE_CHOICE: _ClassVar[QuestionKind]
    MULTIPLE_CHOICE: _ClassVar[QuestionKind]
    RANKING: _ClassVar[QuestionKind]
    FREE_TEXT: _ClassVar[QuestionKind]

class Eligibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ELIGIBILITY_UNSPECIFIED: _ClassVar[Eligibility]
    ANYONE: _ClassVar[Eligibility]
    RESIDENTS: _ClassVar[Eligibility]
    VERIFIED: _ClassVar[Eligibility]
QUESTION_KIND_UNSPECIFIED: QuestionKind
SINGLE_CHOICE: QuestionKind
MULTIPLE_CHOICE: QuestionKind
RANKING: QuestionKind
FREE_TEXT: QuestionKind
ELIGIBILITY_UNSPECIFIED: Eligibility
ANYONE: Eligibility
RESIDENTS: Eligibility
VERIFIED: Eligibility

class Option(_message.Message):
    __slots__ = ("option_id", "label")
    class LabelEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    OPTION_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    option_id: str
    label: _containers.ScalarMap[str, str]
    def __init__(self, option_id: _Optional[str] = ..., label: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Question(_message.Message):
    __slots__ = ("question_id", "kind", "prompt", "options")
    class PromptEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    question_id: str
    kind: QuestionKind
    prompt: _containers.ScalarMap[str, str]
    options: _containers.RepeatedCompositeFieldContainer[Option]
    def __init__(self, question_id: _Optional[str] = ..., kind: _Optional[_Union[QuestionKind, str]] = ..., prompt: _Optional[_Mapping[str, str]] = ..., options: _Optional[_Iterable[_Union[Option, _Mapping]]] = ...) -> None: ...

class ResponseEntry(_message.Message):
    __slots__ = ("consultation_id", "stage", "text", "on_date", "written_at")
    class TextEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ON_DATE_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_AT_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    stage: str
    text: _containers.ScalarMap[str, str]
    on_date: str
    written_at: _timestamp_pb2.Timestamp
    def __init__(self, consultation_id: _Optional[str] = ..., stage: _Optional[str] = ..., text: _Optional[_Mapping[str, str]] = ..., on_date: _Optional[str] = ..., written_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConsultationDraft(_message.Message):
    __slots__ = ("consultation_id", "office_id", "whole_commune", "title", "description", "opens_at", "closes_at", "eligibility", "questions")
    class TitleEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class DescriptionEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    WHOLE_COMMUNE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OPENS_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    ELIGIBILITY_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    office_id: str
    whole_commune: bool
    title: _containers.ScalarMap[str, str]
    description: _containers.ScalarMap[str, str]
    opens_at: _timestamp_pb2.Timestamp
    closes_at: _timestamp_pb2.Timestamp
    eligibility: Eligibility
    questions: _containers.RepeatedCompositeFieldContainer[Question]
    def __init__(self, consultation_id: _Optional[str] = ..., office_id: _Optional[str] = ..., whole_commune: _Optional[bool] = ..., title: _Optional[_Mapping[str, str]] = ..., description: _Optional[_Mapping[str, str]] = ..., opens_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., eligibility: _Optional[_Union[Eligibility, str]] = ..., questions: _Optional[_Iterable[_Union[Question, _Mapping]]] = ...) -> None: ...

class Consultation(_message.Message):
    __slots__ = ("consultation_id", "office_id", "commune_code", "whole_commune", "title", "description", "opens_at", "closes_at", "eligibility", "questions", "status", "participants", "responses", "instance_id")
    class TitleEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class DescriptionEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNE_CODE_FIELD_NUMBER: _ClassVar[int]
    WHOLE_COMMUNE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OPENS_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    ELIGIBILITY_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    office_id: str
    commune_code: str
    whole_commune: bool
    title: _containers.ScalarMap[str, str]
    description: _containers.ScalarMap[str, str]
    opens_at: _timestamp_pb2.Timestamp
    closes_at: _timestamp_pb2.Timestamp
    eligibility: Eligibility
    questions: _containers.RepeatedCompositeFieldContainer[Question]
    status: str
    participants: int
    responses: _containers.RepeatedCompositeFieldContainer[ResponseEntry]
    instance_id: str
    def __init__(self, consultation_id: _Optional[str] = ..., office_id: _Optional[str] = ..., commune_code: _Optional[str] = ..., whole_commune: _Optional[bool] = ..., title: _Optional[_Mapping[str, str]] = ..., description: _Optional[_Mapping[str, str]] = ..., opens_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., eligibility: _Optional[_Union[Eligibility, str]] = ..., questions: _Optional[_Iterable[_Union[Question, _Mapping]]] = ..., status: _Optional[str] = ..., participants: _Optional[int] = ..., responses: _Optional[_Iterable[_Union[ResponseEntry, _Mapping]]] = ..., instance_id: _Optional[str] = ...) -> None: ...

class ConsultationRef(_message.Message):
    __slots__ = ("consultation_id",)
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    def __init__(self, consultation_id: _Optional[str] = ...) -> None: ...

class ListConsultationsRequest(_message.Message):
    __slots__ = ("office_id", "status", "include_drafts")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DRAFTS_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    status: str
    include_drafts: bool
    def __init__(self, office_id: _Optional[str] = ..., status: _Optional[str] = ..., include_drafts: _Optional[bool] = ...) -> None: ...

class ConsultationList(_message.Message):
    __slots__ = ("consultations",)
    CONSULTATIONS_FIELD_NUMBER: _ClassVar[int]
    consultations: _containers.RepeatedCompositeFieldContainer[Consultation]
    def __init__(self, consultations: _Optional[_Iterable[_Union[Consultation, _Mapping]]] = ...) -> None: ...

class QuestionAnswer(_message.Message):
    __slots__ = ("question_id", "option_ids", "text")
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    OPTION_IDS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    question_id: str
    option_ids: _containers.RepeatedScalarFieldContainer[str]
    text: str
    def __init__(self, question_id: _Optional[str] = ..., option_ids: _Optional[_Iterable[str]] = ..., text: _Optional[str] = ...) -> None: ...

class AnswerRequest(_message.Message):
    __slots__ = ("consultation_id", "answers", "ballot", "residence_commune", "notify_me", "language")
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    BALLOT_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_COMMUNE_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_ME_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    answers: _containers.RepeatedCompositeFieldContainer[QuestionAnswer]
    ballot: str
    residence_commune: str
    notify_me: bool
    language: str
    def __init__(self, consultation_id: _Optional[str] = ..., answers: _Optional[_Iterable[_Union[QuestionAnswer, _Mapping]]] = ..., ballot: _Optional[str] = ..., residence_commune: _Optional[str] = ..., notify_me: _Optional[bool] = ..., language: _Optional[str] = ...) -> None: ...

class AnswerReceipt(_message.Message):
    __slots__ = ("consultation_id", "answered_at")
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    answered_at: _timestamp_pb2.Timestamp
    def __init__(self, consultation_id: _Optional[str] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OptionCount(_message.Message):
    __slots__ = ("option_id", "count", "first", "points")
    OPTION_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    option_id: str
    count: int
    first: int
    points: int
    def __init__(self, option_id: _Optional[str] = ..., count: _Optional[int] = ..., first: _Optional[int] = ..., points: _Optional[int] = ...) -> None: ...

class TextGroup(_message.Message):
    __slots__ = ("text", "count")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    text: str
    count: int
    def __init__(self, text: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class QuestionResult(_message.Message):
    __slots__ = ("question_id", "answered", "options", "groups", "folded")
    QUESTION_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    FOLDED_FIELD_NUMBER: _ClassVar[int]
    question_id: str
    answered: int
    options: _containers.RepeatedCompositeFieldContainer[OptionCount]
    groups: _containers.RepeatedCompositeFieldContainer[TextGroup]
    folded: int
    def __init__(self, question_id: _Optional[str] = ..., answered: _Optional[int] = ..., options: _Optional[_Iterable[_Union[OptionCount, _Mapping]]] = ..., groups: _Optional[_Iterable[_Union[TextGroup, _Mapping]]] = ..., folded: _Optional[int] = ...) -> None: ...

class Results(_message.Message):
    __slots__ = ("consultation_id", "participants", "questions", "fold_under")
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    FOLD_UNDER_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    participants: int
    questions: _containers.RepeatedCompositeFieldContainer[QuestionResult]
    fold_under: int
    def __init__(self, consultation_id: _Optional[str] = ..., participants: _Optional[int] = ..., questions: _Optional[_Iterable[_Union[QuestionResult, _Mapping]]] = ..., fold_under: _Optional[int] = ...) -> None: ...

class SurveyAnswer(_message.Message):
    __slots__ = ("context", "tracking_code", "activity_id", "office_id", "scores", "yes", "comment", "ballot")
    class ScoresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    YES_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    BALLOT_FIELD_NUMBER: _ClassVar[int]
    context: str
    tracking_code: str
    activity_id: str
    office_id: str
    scores: _containers.ScalarMap[str, int]
    yes: bool
    comment: str
    ballot: str
    def __init__(self, context: _Optional[str] = ..., tracking_code: _Optional[str] = ..., activity_id: _Optional[str] = ..., office_id: _Optional[str] = ..., scores: _Optional[_Mapping[str, int]] = ..., yes: _Optional[bool] = ..., comment: _Optional[str] = ..., ballot: _Optional[str] = ...) -> None: ...

class SurveyReceipt(_message.Message):
    __slots__ = ("survey_id", "office_id")
    SURVEY_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    survey_id: str
    office_id: str
    def __init__(self, survey_id: _Optional[str] = ..., office_id: _Optional[str] = ...) -> None: ...

class OfficeFiguresRequest(_message.Message):
    __slots__ = ("office_id",)
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    def __init__(self, office_id: _Optional[str] = ...) -> None: ...

class SurveyFigure(_message.Message):
    __slots__ = ("context", "answers", "averages", "yes_share")
    class AveragesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    AVERAGES_FIELD_NUMBER: _ClassVar[int]
    YES_SHARE_FIELD_NUMBER: _ClassVar[int]
    context: str
    answers: int
    averages: _containers.ScalarMap[str, float]
    yes_share: float
    def __init__(self, context: _Optional[str] = ..., answers: _Optional[int] = ..., averages: _Optional[_Mapping[str, float]] = ..., yes_share: _Optional[float] = ...) -> None: ...

class OfficeFigures(_message.Message):
    __slots__ = ("office_id", "consultations", "consultation_participants", "surveys", "proposals", "proposals_forwarded", "fold_under")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    CONSULTATIONS_FIELD_NUMBER: _ClassVar[int]
    CONSULTATION_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    SURVEYS_FIELD_NUMBER: _ClassVar[int]
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    PROPOSALS_FORWARDED_FIELD_NUMBER: _ClassVar[int]
    FOLD_UNDER_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    consultations: int
    consultation_participants: int
    surveys: _containers.RepeatedCompositeFieldContainer[SurveyFigure]
    proposals: int
    proposals_forwarded: int
    fold_under: int
    def __init__(self, office_id: _Optional[str] = ..., consultations: _Optional[int] = ..., consultation_participants: _Optional[int] = ..., surveys: _Optional[_Iterable[_Union[SurveyFigure, _Mapping]]] = ..., proposals: _Optional[int] = ..., proposals_forwarded: _Optional[int] = ..., fold_under: _Optional[int] = ...) -> None: ...

class ProposalRules(_message.Message):
    __slots__ = ("office_id", "threshold", "window_days")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    threshold: int
    window_days: int
    def __init__(self, office_id: _Optional[str] = ..., threshold: _Optional[int] = ..., window_days: _Optional[int] = ...) -> None: ...

class ProposalDraft(_message.Message):
    __slots__ = ("office_id", "title", "body", "language", "notify_me")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_ME_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    title: str
    body: str
    language: str
    notify_me: bool
    def __init__(self, office_id: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., language: _Optional[str] = ..., notify_me: _Optional[bool] = ...) -> None: ...

class Proposal(_message.Message):
    __slots__ = ("proposal_id", "office_id", "title", "body", "language", "status", "supports", "threshold", "posted_at", "support_until", "tracking_code", "moderation_reason", "mine", "supported_by_me")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    POSTED_AT_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_UNTIL_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    MODERATION_REASON_FIELD_NUMBER: _ClassVar[int]
    MINE_FIELD_NUMBER: _ClassVar[int]
    SUPPORTED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    office_id: str
    title: str
    body: str
    language: str
    status: str
    supports: int
    threshold: int
    posted_at: _timestamp_pb2.Timestamp
    support_until: _timestamp_pb2.Timestamp
    tracking_code: str
    moderation_reason: str
    mine: bool
    supported_by_me: bool
    def __init__(self, proposal_id: _Optional[str] = ..., office_id: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., language: _Optional[str] = ..., status: _Optional[str] = ..., supports: _Optional[int] = ..., threshold: _Optional[int] = ..., posted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., support_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tracking_code: _Optional[str] = ..., moderation_reason: _Optional[str] = ..., mine: _Optional[bool] = ..., supported_by_me: _Optional[bool] = ...) -> None: ...

class ProposalRef(_message.Message):
    __slots__ = ("proposal_id",)
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    def __init__(self, proposal_id: _Optional[str] = ...) -> None: ...

class ListProposalsRequest(_message.Message):
    __slots__ = ("office_id", "status", "include_hidden")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_HIDDEN_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    status: str
    include_hidden: bool
    def __init__(self, office_id: _Optional[str] = ..., status: _Optional[str] = ..., include_hidden: _Optional[bool] = ...) -> None: ...

class ProposalList(_message.Message):
    __slots__ = ("proposals",)
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    proposals: _containers.RepeatedCompositeFieldContainer[Proposal]
    def __init__(self, proposals: _Optional[_Iterable[_Union[Proposal, _Mapping]]] = ...) -> None: ...

class SimilarRequest(_message.Message):
    __slots__ = ("office_id", "title", "body")
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    office_id: str
    title: str
    body: str
    def __init__(self, office_id: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ...) -> None: ...

class ModerateProposalRequest(_message.Message):
    __slots__ = ("proposal_id", "hidden", "reason")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    hidden: bool
    reason: str
    def __init__(self, proposal_id: _Optional[str] = ..., hidden: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class SupportReply(_message.Message):
    __slots__ = ("supports", "threshold", "status", "tracking_code")
    SUPPORTS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    supports: int
    threshold: int
    status: str
    tracking_code: str
    def __init__(self, supports: _Optional[int] = ..., threshold: _Optional[int] = ..., status: _Optional[str] = ..., tracking_code: _Optional[str] = ...) -> None: ...

class RunClockRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RunClockReply(_message.Message):
    __slots__ = ("opened", "closed", "forwarded", "expired")
    OPENED_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    FORWARDED_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    opened: int
    closed: int
    forwarded: int
    expired: int
    def __init__(self, opened: _Optional[int] = ..., closed: _Optional[int] = ..., forwarded: _Optional[int] = ..., expired: _Optional[int] = ...) -> None: ...

class SubscribersRequest(_message.Message):
    __slots__ = ("consultation_id", "proposal_id")
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    proposal_id: str
    def __init__(self, consultation_id: _Optional[str] = ..., proposal_id: _Optional[str] = ...) -> None: ...

class Subscriber(_message.Message):
    __slots__ = ("citizen_id", "language")
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    language: str
    def __init__(self, citizen_id: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class SubscribersReply(_message.Message):
    __slots__ = ("subscribers",)
    SUBSCRIBERS_FIELD_NUMBER: _ClassVar[int]
    subscribers: _containers.RepeatedCompositeFieldContainer[Subscriber]
    def __init__(self, subscribers: _Optional[_Iterable[_Union[Subscriber, _Mapping]]] = ...) -> None: ...

class ExportCitizenDataRequest(_message.Message):
    __slots__ = ("citizen_id",)
    CITIZEN_ID_FIELD_NUMBER: _ClassVar[int]
    citizen_id: str
    def __init__(self, citizen_id: _Optional[str] = ...) -> None: ...

class ExportCitizenDataReply(_message.Message):
    __slots__ = ("json",)
    JSON_FIELD_NUMBER: _ClassVar[int]
    json: str
    def __init__(self, json: _Optional[str] = ...) -> None: ...

class ConsultationEvent(_message.Message):
    __slots__ = ("consultation_id", "office_id", "status", "participants")
    CONSULTATION_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    consultation_id: str
    office_id: str
    status: str
    participants: int
    def __init__(self, consultation_id: _Optional[str] = ..., office_id: _Optional[str] = ..., status: _Optional[str] = ..., participants: _Optional[int] = ...) -> None: ...

class ProposalEvent(_message.Message):
    __slots__ = ("proposal_id", "office_id", "status", "supports", "threshold", "ticket_id", "tracking_code")
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    proposal_id: str
    office_id: str
    status: str
    supports: int
    threshold: int
    ticket_id: str
    tracking_code: str
    def __init__(self, proposal_id: _Optional[str] = ..., office_id: _Optional[str] = ..., status: _Optional[str] = ..., supports: _Optional[int] = ..., threshold: _Optional[int] = ..., ticket_id: _Optional[str] = ..., tracking_code: _Optional[str] = ...) -> None: ...

class SurveyEvent(_message.Message):
    __slots__ = ("survey_id", "office_id", "context")
    SURVEY_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICE_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    survey_id: str
    office_id: str
    context: str
    def __init__(self, survey_id: _Optional[str] = ..., office_id: _Optional[str] = ..., context: _Optional[str] = ...) -> None: ...
