"""The subject categories each server knows. The API answers a misspelled `?category=` with
every record and echoes "all", so a name is checked here before it is sent; a name may be given
by its words' beginnings ("radiology" for "radiology and imaging") when only one category fits."""

from __future__ import annotations

import difflib
import re

BIORXIV = (
    "animal behavior and cognition", "biochemistry", "bioengineering", "bioinformatics", "biophysics",
    "cancer biology", "cell biology", "clinical trials", "developmental biology", "ecology", "epidemiology",
    "evolutionary biology", "genetics", "genomics", "immunology", "microbiology", "molecular biology",
    "neuroscience", "paleontology", "pathology", "pharmacology and toxicology", "physiology", "plant biology",
    "scientific communication and education", "synthetic biology", "systems biology", "zoology",
)
MEDRXIV = (
    "addiction medicine", "allergy and immunology", "anesthesia", "cardiovascular medicine",
    "dentistry and oral medicine", "dermatology", "emergency medicine",
    "endocrinology (including diabetes mellitus and metabolic disease)", "epidemiology", "forensic medicine",
    "gastroenterology", "genetic and genomic medicine", "geriatric medicine", "health economics",
    "health informatics", "health policy", "health systems and quality improvement", "hematology", "hiv aids",
    "infectious diseases (except hiv aids)", "intensive care and critical care medicine", "medical education",
    "medical ethics", "nephrology", "neurology", "nursing", "nutrition", "obstetrics and gynecology",
    "occupational and environmental health", "oncology", "ophthalmology", "orthopedics", "otolaryngology",
    "pain medicine", "palliative medicine", "pathology", "pediatrics", "pharmacology and therapeutics",
    "primary care research", "psychiatry and clinical psychology", "public and global health",
    "radiology and imaging", "rehabilitation medicine and physical therapy", "respiratory medicine",
    "rheumatology", "sexual and reproductive health", "sports medicine", "surgery", "toxicology",
    "transplantation", "urology",
)
KNOWN = {"biorxiv": BIORXIV, "medrxiv": MEDRXIV}


class UnknownCategory(ValueError):
    """A category name the server does not know."""


def normalise(name: str) -> str:
    """"Radiology_and_Imaging" and "radiology and imaging" are the same category."""
    return " ".join(name.replace("_", " ").lower().split())


def check_category(server: str, name: str) -> str:
    """The category's canonical name on that server, or UnknownCategory with the nearest names."""
    wanted = normalise(name)
    known = KNOWN[server]
    if wanted in known:
        return wanted
    matches = by_words(wanted, known)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownCategory(f"{name!r} names several {server} categories: {', '.join(repr(c) for c in matches)}; say which")
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownCategory(f"{server} has no category {name!r}{hint}")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def by_words(name: str, known: tuple[str, ...]) -> list[str]:
    """The categories in which every word of `name` begins a word, in order: "radiology" and
    "radio imag" find "radiology and imaging"."""
    wanted = _words(name)
    out = []
    for category in known:
        words, i = _words(category), 0
        for word in wanted:
            while i < len(words) and not words[i].startswith(word):
                i += 1
            if i == len(words):
                break
            i += 1
        else:
            if wanted:
                out.append(category)
    return out


def api_parameter(name: str) -> str:
    """The form the API's `?category=` takes: words joined by underscores."""
    return normalise(name).replace(" ", "_")
