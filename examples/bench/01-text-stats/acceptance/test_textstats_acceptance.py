import pytest

from textstats import average_word_length, sentence_count, top_words, word_count


def test_word_count_splits_on_non_word_characters():
    assert word_count("Hello, world! It's 2024.") == 4
    assert word_count("") == 0
    assert word_count("  \n\t ") == 0
    assert word_count("one-two three_four") == 4


def test_sentence_count_counts_terminator_runs():
    assert sentence_count("Wait... what?!") == 2
    assert sentence_count("One. Two! Three?") == 3
    assert sentence_count("no terminator here") == 1
    assert sentence_count("   ") == 0
    assert sentence_count("") == 0


def test_top_words_orders_by_count_then_alphabetically():
    text = "the cat and the hat; The bat and a cat"
    assert top_words(text, 3) == [("the", 3), ("and", 2), ("cat", 2)]
    assert top_words(text, 0) == []
    assert top_words("b a", 10) == [("a", 1), ("b", 1)]


def test_top_words_rejects_negative_n():
    with pytest.raises(ValueError):
        top_words("a b c", -1)


def test_average_word_length():
    assert average_word_length("ab abcd") == 3.0
    assert average_word_length("a bb bb") == 1.67
    assert average_word_length("!!!") == 0.0
