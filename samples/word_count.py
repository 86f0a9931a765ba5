from collections import Counter


def word_count(text: str) -> Counter:
    """Counts how often each lower-cased word appears in the text."""
    words = [w.strip(".,;:!?\"'").lower() for w in text.split()]
    return Counter(w for w in words if w)


if __name__ == "__main__":
    counts = word_count("The cat sat on the mat. The mat was warm.")
    for word, n in counts.most_common(3):
        print(f"{word}: {n}")
