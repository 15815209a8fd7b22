"""Item definitions and graded answers a teacher would rank in a known order."""

from __future__ import annotations

TYPING_PASSAGE = (
    "Our company is moving to a new office next month. The new building is close to the railway "
    "station, so most employees will have a shorter journey to work. Parking will be limited, and "
    "staff are asked to use public transport whenever they can."
)

SENTENCE_ITEM = {
    "sentence": "The meeting has been ___ until next Friday because the manager is ill.",
    "acceptable_answers": ["postponed", "delayed", "put off"],
}

DICTATION_ITEM = {"text": "Please send the final report to the manager by Friday afternoon."}
DICTATION_VARIANTS = {  # best first
    "perfect": "Please send the final report to the manager by Friday afternoon.",
    "one_typo": "Please send the final reprot to the manager by Friday afternoon.",
    "several_missing": "Please send report to manager afternoon.",
    "nonsense": "blue sky quickly running elephant",
    "empty": "",
}

PASSAGE = (
    "The city library will close for two weeks in June for repairs to its roof. During this time, "
    "members can borrow books from the mobile library that will park outside the town hall every "
    "morning. Late fees will not be charged while the library is closed."
)
PASSAGE_ITEM = {"passage": PASSAGE}
# Every idea rewritten from memory. The passage itself is not the best answer: from writing-v2 on a
# verbatim copy is penalised (test_writing_verbatim_copying.py).
PASSAGE_FROM_MEMORY = (
    "The city library is closing for two weeks in June because the roof needs repairs. While it is shut, "
    "members can borrow books from a mobile library parked outside the town hall each morning, and no late "
    "fees will be charged during the closure."
)
PASSAGE_VARIANTS = {  # best first
    "perfect": PASSAGE_FROM_MEMORY,
    "one_typo": PASSAGE_FROM_MEMORY.replace("city library", "city libary"),
    "several_missing": "The library will close in June. Members can borrow books from a mobile library.",
    "off_topic": "I like to play cricket with my friends on Sunday and we eat food after the game.",
    "nonsense": "asdkj qwe lkjasd poiqwe zxcmn qweoiu",
    "empty": "",
}

EMAIL_ITEM = {
    "prompt": (
        "Your manager, Ms Rao, has asked you to attend a training session on Friday. You cannot "
        "attend. Write an email to her: apologise, explain why you cannot attend, and suggest "
        "another date."
    ),
    "points": [
        {
            "id": "apology",
            "description": "Apologise for missing the session",
            "keywords": ["sorry", "apologise", "apology", "regret", "unfortunately"],
        },
        {
            "id": "reason",
            "description": "Explain why you cannot attend",
            "keywords": ["because", "due to", "as i", "since"],
        },
        {
            "id": "new_date",
            "description": "Suggest another date",
            "all_of": [
                ["suggest", "propose", "instead", "another", "next", "reschedule"],
                ["monday", "tuesday", "wednesday", "thursday", "friday", "week", "date", "day"],
            ],
        },
    ],
    "min_words": 50,
    "max_words": 150,
}
GOOD_EMAIL = """Dear Ms Rao,

I am sorry, but I will not be able to attend the training session on Friday because I have to visit the passport office for an appointment that was fixed last month. Unfortunately, the office cannot change the time.

Could you please let me know if I could join the next session instead? I would suggest Tuesday or Wednesday of next week, as my schedule is completely free on those days.

Thank you for understanding.

Kind regards,
Arjun"""  # noqa: E501 - a paragraph per line, as a candidate types it
EMAIL_VARIANTS = {  # best first
    "perfect": GOOD_EMAIL,
    "typos": GOOD_EMAIL.replace("appointment", "apointment")
    .replace("schedule", "schedul")
    .replace("understanding", "understandng"),
    "missing_points": """Dear Ms Rao,

I am sorry, but I will not be able to attend the training session on Friday. I hope the session goes well and that everyone learns a lot from it. I will read the notes that the trainer shares afterwards.

Thank you for understanding.

Kind regards,
Arjun""",  # noqa: E501 - a paragraph per line, as a candidate types it
    "informal_short": "hey, sorry gonna miss friday cos of doctor thing. can u do next tuesday?? thx",
    "nonsense": "asdf qwer zxcv lkjh poiu mnbv asdf qwer zxcv lkjh poiu mnbv",
    "empty": "",
}

STRONG_ATTEMPT = [  # (item_type, item, answer, context)
    ("typing", {"passage": TYPING_PASSAGE}, TYPING_PASSAGE, {"elapsed_seconds": 60}),
    ("sentence_completion", SENTENCE_ITEM, "postponed", {}),
    ("dictation", DICTATION_ITEM, DICTATION_VARIANTS["perfect"], {}),
    ("passage_reconstruction", PASSAGE_ITEM, PASSAGE_VARIANTS["perfect"], {}),
    ("email_writing", EMAIL_ITEM, EMAIL_VARIANTS["perfect"], {}),
]
WEAK_ATTEMPT = [
    ("typing", {"passage": TYPING_PASSAGE}, TYPING_PASSAGE, {"elapsed_seconds": 60}),
    ("sentence_completion", SENTENCE_ITEM, "postpone", {}),
    ("dictation", DICTATION_ITEM, DICTATION_VARIANTS["several_missing"], {}),
    ("passage_reconstruction", PASSAGE_ITEM, PASSAGE_VARIANTS["several_missing"], {}),
    ("email_writing", EMAIL_ITEM, EMAIL_VARIANTS["informal_short"], {}),
]
