import pytest

from grades import letter_grade, parse_scores, report, student_averages

CSV = """name,assignment,score
alice, hw1, 90
bob,hw1,72.4

alice,hw2,85
bob,hw2,60
carol,hw1,100
dave,hw1,70
dave,hw2,71
dave,hw3,71
"""


def test_parse_scores():
    assert parse_scores(CSV) == [
        ("alice", "hw1", 90.0),
        ("bob", "hw1", 72.4),
        ("alice", "hw2", 85.0),
        ("bob", "hw2", 60.0),
        ("carol", "hw1", 100.0),
        ("dave", "hw1", 70.0),
        ("dave", "hw2", 71.0),
        ("dave", "hw3", 71.0),
    ]


@pytest.mark.parametrize(
    "text,line",
    [
        ("name,score\nalice,90\n", "line 1"),
        ("name,assignment,score\nalice,hw1\n", "line 2"),
        ("name,assignment,score\nalice,hw1,90\nbob,hw1,abc\n", "line 3"),
        ("name,assignment,score\n\nalice,hw1,101\n", "line 3"),
        ("name,assignment,score\nalice,hw1,-1\n", "line 2"),
    ],
)
def test_bad_lines_are_reported_with_their_number(text, line):
    with pytest.raises(ValueError) as err:
        parse_scores(text)
    assert line in str(err.value)


def test_student_averages():
    assert student_averages(parse_scores(CSV)) == {
        "alice": 87.5,
        "bob": 66.2,
        "carol": 100.0,
        "dave": 70.7,
    }


@pytest.mark.parametrize(
    "avg,letter",
    [(100, "A"), (90, "A"), (89.9, "B"), (80, "B"), (79.99, "C"), (70, "C"), (60, "D"),
     (59.9, "F"), (0, "F")],
)
def test_letter_grade(avg, letter):
    assert letter_grade(avg) == letter


def test_report():
    assert report(CSV) == "alice: 87.5 B\nbob: 66.2 D\ncarol: 100.0 A\ndave: 70.7 C"
