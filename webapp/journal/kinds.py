"""The kinds of journal entry (seed idea 8), each with a prompt so a new page is never blank."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    # What the empty body shows (placeholder), and a line under the label (hint).
    prompt: str
    hint: str
    # Text the body starts with, for kinds that have a shape of their own.
    outline: str = ""


QUESTIONS_HEADING = "Questions they asked"
INTERVIEW_OUTLINE = (
    f"## {QUESTIONS_HEADING}\n"
    "- \n\n"
    "## What went well\n\n\n"
    "## What I want to practise\n\n"
)

KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("application", "Application",
             "Which role was it, and what made you want it? What did you change in your CV "
             "or letter for them?",
             "A few lines now make it easy to remember why this one mattered."),
        Kind("interview", "Interview debrief",
             "Write down the questions while they are fresh, one per line.",
             f"Put each question on its own line under “{QUESTIONS_HEADING}”; one tap "
             "later adds them to your practice questions.",
             INTERVIEW_OUTLINE),
        Kind("feedback", "Feedback",
             "What did they tell you? Which part is worth acting on, and which can you "
             "set down?",
             "Feedback is information about one process, not a verdict on you."),
        Kind("skill", "Skill",
             "What are you learning? What clicked today, and what still feels fuzzy?",
             "Small steps count: a chapter, an exercise, a question answered out loud."),
        Kind("small_win", "Small win",
             "Something that went right, however small: a reply, a kind word, a task you "
             "finished.",
             "Wins are easy to forget and worth keeping. Future you will read this."),
        Kind("reflection", "Reflection",
             "How are you doing with all of this? What helped, and what do you need next?",
             "Anything on your mind. Only you see it unless you choose to share it."),
    )
}
KIND_LABELS = {key: kind.label for key, kind in KINDS.items()}
DEFAULT_KIND = "reflection"

TITLE_MAX = 200
# TRUST.md SEC-25: a long entry is welcome, a novel is not.
BODY_MAX = 20_000
