"""SQLModel tables, split by area. Import from here."""
from sqlmodel import SQLModel

from .attempts import Attempt, AttemptStatus, LessonProgress
from .certificates import Certificate
from .content import Course, Exercise, Lesson, Module
from .users import Role, User

metadata = SQLModel.metadata

__all__ = ["Attempt", "AttemptStatus", "Certificate", "Course", "Exercise", "Lesson",
           "LessonProgress", "Module", "Role", "User", "metadata"]
