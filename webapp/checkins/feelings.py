"""The words the check-in offers: moods, energy levels and job-search emotions."""

from __future__ import annotations

from dataclasses import dataclass

MOODS = {1: "awful", 2: "bad", 3: "okay", 4: "good", 5: "great"}
ENERGY = {1: "drained", 2: "low", 3: "steady", 4: "lively", 5: "buzzing"}


@dataclass(frozen=True)
class Emotion:
    key: str
    label: str
    # Where the feeling sits on the pleasantness x energy grid (-1, 0, 1 each), for the
    # grid view and insights.
    pleasant: int
    energy: int


EMOTIONS: tuple[Emotion, ...] = (
    Emotion("hopeful", "hopeful", 1, 0),
    Emotion("motivated", "motivated", 1, 1),
    Emotion("proud", "proud", 1, 1),
    Emotion("confident", "confident", 1, 1),
    Emotion("relieved", "relieved", 1, -1),
    Emotion("calm", "calm", 1, -1),
    Emotion("grateful", "grateful", 1, 0),
    Emotion("curious", "curious", 1, 1),
    Emotion("anxious", "anxious", -1, 1),
    Emotion("frustrated", "frustrated", -1, 1),
    Emotion("overwhelmed", "overwhelmed", -1, 1),
    Emotion("impatient", "impatient", -1, 1),
    Emotion("discouraged", "discouraged", -1, -1),
    Emotion("disappointed", "disappointed", -1, -1),
    Emotion("tired", "tired", -1, -1),
    Emotion("lonely", "lonely", -1, -1),
    Emotion("stuck", "stuck", -1, 0),
    Emotion("unsure", "unsure", 0, 0),
)
EMOTION_KEYS = frozenset(e.key for e in EMOTIONS)
EMOTION_LABELS = {e.key: e.label for e in EMOTIONS}

NOTE_MAX = 500
