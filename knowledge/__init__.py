"""linli's knowledge base: the district's services and policies, and matching questions to them.

Pure: no Telegram, no database. ``load_knowledge_base`` reads and validates the YAML,
``Matcher`` decides what to do with a resident's question, ``knowledge.evaluate`` measures it.
"""

from knowledge.config import MatcherConfig, load_matcher_config
from knowledge.loader import (
    check_knowledge_base,
    default_data_dir,
    files_version,
    load_knowledge_base,
)
from knowledge.matcher import Matcher
from knowledge.model import (
    Candidate,
    Category,
    Contact,
    Decision,
    DecisionKind,
    Entry,
    KnowledgeBase,
)
from knowledge.normalize import Normalizer
from knowledge.validate import KnowledgeBaseError, Problem, rendered_answer

__all__ = [
    "Candidate",
    "Category",
    "Contact",
    "Decision",
    "DecisionKind",
    "Entry",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Matcher",
    "MatcherConfig",
    "Normalizer",
    "Problem",
    "check_knowledge_base",
    "default_data_dir",
    "files_version",
    "load_knowledge_base",
    "load_matcher_config",
    "rendered_answer",
]
