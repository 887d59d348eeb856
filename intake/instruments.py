"""The official wording of the public-domain questionnaires (spec §5).

PHQ-9 (Kroenke, Spitzer & Williams 2001; Pfizer: no permission required), GAD-7
(Spitzer et al. 2006; no permission required), PCL-5 (US Department of Veterans Affairs,
National Center for PTSD; public domain), ASQ (NIMH Ask Suicide-Screening Questions;
public domain, NIMH toolkit). Scoring is in `intake/measures.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.measures import ASQ, GAD7, PCL5, PHQ9


@dataclass(frozen=True)
class Questionnaire:
    code: str
    title: str
    stem: str
    answers: tuple[str, ...]  # index = score
    items: tuple[str, ...]  # q1, q2, … in order


FREQUENCY = ("Not at all", "Several days", "More than half the days", "Nearly every day")

QUESTIONNAIRES: dict[str, Questionnaire] = {
    PHQ9: Questionnaire(
        code=PHQ9,
        title="PHQ-9 (depression)",
        stem=(
            "Over the last 2 weeks, how often have you been bothered by any of the "
            "following problems?"
        ),
        answers=FREQUENCY,
        items=(
            "Little interest or pleasure in doing things",
            "Feeling down, depressed, or hopeless",
            "Trouble falling or staying asleep, or sleeping too much",
            "Feeling tired or having little energy",
            "Poor appetite or overeating",
            "Feeling bad about yourself — or that you are a failure or have let yourself "
            "or your family down",
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "Moving or speaking so slowly that other people could have noticed? Or the "
            "opposite — being so fidgety or restless that you have been moving around a lot "
            "more than usual",
            "Thoughts that you would be better off dead or of hurting yourself in some way",
        ),
    ),
    GAD7: Questionnaire(
        code=GAD7,
        title="GAD-7 (anxiety)",
        stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
        answers=FREQUENCY,
        items=(
            "Feeling nervous, anxious, or on edge",
            "Not being able to stop or control worrying",
            "Worrying too much about different things",
            "Trouble relaxing",
            "Being so restless that it is hard to sit still",
            "Becoming easily annoyed or irritable",
            "Feeling afraid, as if something awful might happen",
        ),
    ),
    PCL5: Questionnaire(
        code=PCL5,
        title="PCL-5 (post-traumatic stress)",
        stem="In the past month, how much were you bothered by:",
        answers=("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"),
        items=(
            "Repeated, disturbing, and unwanted memories of the stressful experience?",
            "Repeated, disturbing dreams of the stressful experience?",
            "Suddenly feeling or acting as if the stressful experience were actually "
            "happening again (as if you were actually back there reliving it)?",
            "Feeling very upset when something reminded you of the stressful experience?",
            "Having strong physical reactions when something reminded you of the stressful "
            "experience (for example, heart pounding, trouble breathing, sweating)?",
            "Avoiding memories, thoughts, or feelings related to the stressful experience?",
            "Avoiding external reminders of the stressful experience (for example, people, "
            "places, conversations, activities, objects, or situations)?",
            "Trouble remembering important parts of the stressful experience?",
            "Having strong negative beliefs about yourself, other people, or the world (for "
            "example, having thoughts such as: I am bad, there is something seriously wrong "
            "with me, no one can be trusted, the world is completely dangerous)?",
            "Blaming yourself or someone else for the stressful experience or what happened "
            "after it?",
            "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
            "Loss of interest in activities that you used to enjoy?",
            "Feeling distant or cut off from other people?",
            "Trouble experiencing positive feelings (for example, being unable to feel "
            "happiness or have loving feelings for people close to you)?",
            "Irritable behavior, angry outbursts, or acting aggressively?",
            "Taking too many risks or doing things that could cause you harm?",
            'Being "superalert" or watchful or on guard?',
            "Feeling jumpy or easily startled?",
            "Having difficulty concentrating?",
            "Trouble falling or staying asleep?",
        ),
    ),
}

PHQ9_DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to "
    "do your work, take care of things at home, or get along with other people?"
)
PHQ9_DIFFICULTY_ANSWERS = (
    "Not difficult at all",
    "Somewhat difficult",
    "Very difficult",
    "Extremely difficult",
)


# The ASQ is a yes/no screen, not a rating scale: its fifth question is asked only after a
# yes, and question 4 has a free-text follow-up. So it is not in QUESTIONNAIRES (whose
# forms are built generically); `ASQ_QUESTIONNAIRE` holds questions 1–4 (answer index =
# item value: 0 no, 1 yes) and the two follow-ups are named on their own.
ASQ_QUESTIONNAIRE = Questionnaire(
    code=ASQ,
    title="ASQ (suicide risk screen)",
    stem="Please answer each question yes or no.",
    answers=("No", "Yes"),
    items=(
        "In the past few weeks, have you wished you were dead?",
        "In the past few weeks, have you felt that you or your family would be better off "
        "if you were dead?",
        "In the past week, have you been having thoughts about killing yourself?",
        "Have you ever tried to kill yourself?",
    ),
)
ASQ_ATTEMPT_FOLLOW_UP = "If yes, how? When?"
ASQ_ACUTE_QUESTION = "Are you having thoughts of killing yourself right now?"
ASQ_BAND_LABELS = {
    "negative": "negative",
    "non_acute_positive": "positive, not acute",
    "acute_positive": "acute positive",
}

# Labels of every instrument a measure result can hold (pages, letters, exports).
INSTRUMENT_LABELS: dict[str, str] = {PHQ9: "PHQ-9", GAD7: "GAD-7", PCL5: "PCL-5", ASQ: "ASQ"}
