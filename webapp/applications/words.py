"""The words of the job search: stage names, and the curated lists the rejection flow offers
(reasons that lie outside the candidate, thinking traps, next steps). Written for people on
a hard day: plain, kind, never blaming."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.models.search import STAGES

STAGE_LABELS = {
    "saved": "Saved",
    "applied": "Applied",
    "screening": "Screening",
    "interview": "Interview",
    "offer": "Offer",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "no_reply": "No reply",
}
assert tuple(STAGE_LABELS) == STAGES

# How far an application got before a "no": the stages a rejection can come after.
REACHED_LABELS = {
    "applied": "After I applied",
    "screening": "After a screening call",
    "interview": "After an interview",
    "offer": "After an offer was made",
}
# The moment a stage was reached, in a timeline sentence ("Moved to interview").
STAGE_EVENTS = {
    "saved": "Saved for later",
    "applied": "Applied",
    "screening": "Screening",
    "interview": "Interview",
    "offer": "Offer",
    "rejected": "Heard no",
    "withdrawn": "Withdrew",
    "no_reply": "Marked as no reply",
}

EXCITEMENT = {1: "A little", 2: "Somewhat", 3: "Quite", 4: "Very", 5: "Dream job"}


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    reply: str  # why this one says nothing about the person


# Step 2: things that decide a hiring process and that no candidate controls.
OUTSIDE_REASONS = (
    Reason("budget", "The money changed: a budget was cut or frozen",
           "Budgets are set far above any one hiring decision."),
    Reason("internal", "They went with someone already inside",
           "An inside candidate starts with years of trust you had no chance to earn."),
    Reason("timing", "The timing was wrong for them",
           "A reorganisation, a freeze or a holiday season can stop a hire overnight."),
    Reason("fit", "A \"fit\" call made by people who barely met you",
           "Fit is a guess about a team you haven't seen from the inside."),
    Reason("role_changed", "The role changed, was paused or closed",
           "You can't win a job that stopped existing."),
    Reason("many_applicants", "Lots of people applied",
           "With a long list, good people are turned away for tiny reasons."),
    Reason("referral", "Someone came recommended by a person they know",
           "A personal recommendation is luck of the network, not a verdict on you."),
    Reason("narrow", "They wanted one narrow thing from a long wish list",
           "A missing item on their list is a gap in their brief, not in your worth."),
    Reason("no_reason", "They never said why",
           "Silence leaves room for the worst story. It's only a story."),
)
REASONS = {reason.key: reason for reason in OUTSIDE_REASONS}
NOT_PERSONAL_REMINDER = (
    "A hiring decision is made of many things you never see: money, timing, who else was "
    "in the room, what the team needed that week. A no tells you about their situation, "
    "not about what you're worth."
)


@dataclass(frozen=True)
class Trap:
    key: str
    label: str
    explanation: str


# Step 3: patterns a hard thought often follows, each in one line.
THINKING_TRAPS = (
    Trap("all_or_nothing", "All-or-nothing",
         "Seeing it as total success or total failure, with nothing in between."),
    Trap("mind_reading", "Mind reading",
         "Being sure what they thought of you, though they never said it."),
    Trap("fortune_telling", "Fortune telling",
         "Treating a guess about the future as if it were already settled."),
    Trap("personalising", "Taking it personally",
         "Putting all of a decision on yourself when many hands and reasons made it."),
    Trap("overgeneralising", "Overgeneralising",
         "Turning one no into a rule about every job, every time."),
    Trap("discounting_positive", "Discounting the good",
         "Waving away what went well, as if it didn't count."),
    Trap("labelling", "Labelling",
         "Calling yourself a name instead of describing one event."),
    Trap("catastrophising", "Catastrophising",
         "Jumping to the worst outcome and treating it as the likely one."),
    Trap("feeling_as_fact", "Feeling as fact",
         "Taking a strong feeling as proof: it feels true, so it must be."),
)
TRAPS = {trap.key: trap for trap in THINKING_TRAPS}

# Step 5: the one next step the flow suggests (ThoughtRecord.next_action holds the key).
NEXT_ACTIONS = {
    "apply": "Apply to one more role",
    "reach_out": "Reach out to someone",
    "self_care": "Do one kind thing for yourself",
}

# What a journal entry of each kind is called where Onward writes one (the journal issue
# owns the full list).
REFLECTION = "reflection"
SMALL_WIN = "small_win"


def steps_to_yes_words(count: int) -> str:
    """What follows the steps-to-yes number, said kindly: every no is a step forward,
    never a mark against you."""
    if count == 0:
        return "steps to yes so far. Each no you log here becomes one: a step, not a setback."
    if count == 1:
        return "step to yes. Every no is a step: it means you put yourself forward."
    return "steps to yes. Every no is a step: each one means you put yourself forward again."
