"""SQLModel tables, split by area. Import from here."""
from sqlmodel import SQLModel

from .attempts import (Attempt, AttemptStatus, ExamSession, ExamStatus, LessonProgress, QuizAttempt,
                       TargetRun)
from .certificates import Certificate
from .content import Course, Exercise, Lesson, Module, Quiz
from .drafts import PromptDraft
from .org import ApiToken, AssignedTrack, Assignment, Cohort, CohortMember, Department, DepartmentMember, Reminder
from .review import Appeal, AuditEvent, CalibrationRun, Notification, Override, TrainerAssignment
from .security import LoginEvent
from .settings import Setting
from .users import Role, User
from .xapi import XapiStatement

metadata = SQLModel.metadata

__all__ = ["Appeal", "AuditEvent", "CalibrationRun", "Notification", "Override", "TrainerAssignment", "Attempt", "AttemptStatus", "Certificate", "Course", "ExamSession", "ExamStatus", "Exercise",
           "Lesson", "LessonProgress", "Module", "Quiz", "QuizAttempt", "Role", "Setting", "TargetRun",
           "User", "metadata",
           "ApiToken", "AssignedTrack", "Assignment", "Cohort", "CohortMember", "Department", "DepartmentMember",
           "Reminder", "LoginEvent", "PromptDraft", "XapiStatement"]
