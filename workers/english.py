"""English text shared by the speech and writing engines, written once: number words, function
words and stopwords, contractions.

Each engine builds its own normaliser from these (workers/scoring/text.py compares transcripts
with expected texts; workers/writing/text.py compares typed answers with references) and keeps
what its scoring version fixes on top, said where it does so: which numbers are spelled out and
which stemmer matches word forms. Changing a list here changes scores: do it with a new scoring
version of each engine that uses it.
"""

from __future__ import annotations

NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
TENS_WORDS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
HUNDRED = 100
SPELLED_BELOW = 10**9  # number_to_words' range


def number_to_words(number: int) -> str:
    """Spell out 0 <= number < 10**9 the way people say it ("one hundred twenty three")."""
    if not 0 <= number < SPELLED_BELOW:
        raise ValueError(number)
    if number < len(NUMBER_WORDS):  # zero to nineteen have a word of their own
        return NUMBER_WORDS[number]
    if number < HUNDRED:
        tens, rest = divmod(number, 10)
        return TENS_WORDS[tens] + ("" if rest == 0 else " " + NUMBER_WORDS[rest])
    for size, name in ((10**6, "million"), (1000, "thousand"), (HUNDRED, "hundred")):
        if number >= size:
            head, rest = divmod(number, size)
            words = number_to_words(head) + " " + name
            return words if rest == 0 else words + " " + number_to_words(rest)
    raise ValueError(number)


# Function words: articles, pronouns, auxiliaries, common prepositions. Speech Vocabulary counts
# the words that are not these.
FUNCTION_WORDS = frozenset(
    [
        "a",
        "about",
        "am",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "down",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "here",
        "him",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "may",
        "me",
        "might",
        "must",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "out",
        "over",
        "shall",
        "she",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "too",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)

# More words that carry little content (and the pieces a split contraction leaves).
_MORE_STOPWORDS = frozenset(
    [
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "any",
        "because",
        "before",
        "below",
        "between",
        "both",
        "cannot",
        "d",
        "doing",
        "during",
        "each",
        "even",
        "ever",
        "every",
        "few",
        "further",
        "having",
        "hers",
        "herself",
        "himself",
        "how",
        "itself",
        "let",
        "ll",
        "m",
        "many",
        "more",
        "most",
        "much",
        "myself",
        "nor",
        "now",
        "off",
        "once",
        "only",
        "other",
        "ours",
        "ourselves",
        "own",
        "re",
        "really",
        "s",
        "same",
        "some",
        "still",
        "such",
        "t",
        "theirs",
        "themselves",
        "through",
        "under",
        "until",
        "ve",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "yet",
        "yours",
        "yourself",
        "yourselves",
    ]
)
# Stopwords for written answers' content-word measures: the function words and the rest above.
STOPWORDS = FUNCTION_WORDS | _MORE_STOPWORDS

# Contractions spelled as a whole word, then the regular endings (for words not listed).
WHOLE_WORD_CONTRACTIONS = {
    "won't": "will not",
    "can't": "can not",
    "cannot": "can not",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
}
CONTRACTION_ENDINGS = (
    ("n't", " not"),
    ("'re", " are"),
    ("'m", " am"),
    ("'ll", " will"),
    ("'ve", " have"),
    ("'d", " would"),
)
# Words whose "'s" is "is" ("it's" -> "it is"); any other "'s" is a possessive.
S_IS_WORDS = frozenset({"it", "he", "she", "that", "what", "there", "here", "who", "where", "how", "when", "why"})
