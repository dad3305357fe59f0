"""A small deterministic part-of-speech heuristic for image captions: noun, adjective or other.

ARO's order perturbations need to know which words are nouns (Penn tags NN*) and adjectives
(JJ*); the original uses spaCy's ``en_core_web_sm`` tagger, which embedlab uses too when it is
installed (:mod:`embedlab.data.pos_taggers`). Without it, words are tagged by rules tuned to
caption English (the tagger then maps them to ``NN`` / ``JJ`` / ``XX``):

1. a possessive ``'s`` is ignored; a word that is not purely alphabetic (numbers, ``&``) is
   *other*;
2. closed-class words (determiners, pronouns, prepositions, conjunctions, auxiliaries, number
   words, common adverbs) and a list of common caption verbs are *other*;
3. a lexicon of caption adjectives (colours, sizes, ages, materials, states, ``-y`` adjectives
   such as ``grassy``) and the suffixes ``-ful``, ``-ous``, ``-less`` are *adjective*;
4. ``-ing``, ``-ed`` and ``-ly`` words are *other* (verbs, participles, adverbs) unless they are
   listed nouns (``building``, ``ceiling``, ``family``...);
5. every remaining word is a *noun*.

This is not spaCy: it errs on participles used as adjectives (``stuffed``: JJ for spaCy, other
here), on verbs it does not list (``surfs``: a noun here) and on words that are a noun or an
adjective depending on context (``light``). The tagger's name is part of the generated set's
provenance (:data:`TAGGER`), so results from a different tagger are never mixed silently.
"""

from __future__ import annotations

from typing import Literal

Tag = Literal["NOUN", "ADJ", "OTHER"]
TAGGER = "heuristic-pos-v1"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FUNCTION = _words(
    """a an the this that these those some any each every no another its his her their our my
    your all both either neither it he she they them him we you i me us one itself themselves
    in on at of with by for from to into onto over under above below near next beside besides
    behind between through across along around against inside outside atop up down off out
    about toward towards beneath underneath upon as like than during after before without
    within among past via while and or but so nor yet which who whom whose where when there
    here what how why if then not very too also just only still together almost really quite
    away back nearby is are was were be been being am has have had does do did can could will
    would may might should must shall two three four five six seven eight nine ten eleven
    twelve twenty hundred dozen first second third"""
)
_VERBS = _words(
    """sit sits sat stand stands stood hold holds held ride rides rode look looks eat eats ate
    play plays fly flies flew lay lays lie lies walk walks run runs ran wait waits watch watches
    carry carries wear wears wore cut cuts throw throws threw catch catches caught hit hits swing
    swings park parks sleep sleeps slept rest rests drink drinks talk talks use uses take takes
    took make makes made pose poses show shows prepare prepares cross crosses fill fills cover
    covers line lines surround surrounds contain contains feature features display displays
    lean leans hang hangs hung get gets got go goes went come comes came see sees saw seem
    seems appear appears grazes graze sits lies jump jumps leap leaps stare stares smile
    smiles pull pulls push pushes try tries reach reaches keep keeps kept"""
)
_ADJECTIVES = _words(
    """red blue green yellow white black brown orange pink purple gray grey silver gold golden
    tan beige dark light bright colorful colourful large small big little tall short long huge
    tiny giant wide narrow thick thin high low old young new modern antique vintage ancient
    empty full open closed wet dry clean dirty fresh hot cold warm cool cute pretty beautiful
    busy crowded wooden many few several other various different same double single multiple
    snowy grassy sandy rocky cloudy sunny rainy muddy hairy furry leafy fluffy shiny foggy windy
    stormy icy dusty messy tasty juicy crispy cheesy healthy happy sad angry funny lonely
    pretty ugly nice good bad great fancy plain striped spotted round flat steep deep
    shallow heavy soft hard smooth rough clear blurry calm electric elderly adult male female
    domestic wild professional public private outdoor indoor whole asian african american
    italian chinese mexican french"""
)
_NOUN_EXCEPTIONS = _words(
    """building buildings ceiling ceilings clothing painting paintings thing things something
    nothing anything king ring rings wing wings string strings spring evening morning wedding
    icing frosting topping toppings pudding railing railings awning awnings bedding ping
    sibling siblings sling swing swings sink bed sled shed family jelly belly lily butterfly
    fly rally bully"""
)


def coarse_tag(word: str) -> Tag:
    """The coarse tag of one word (case and trailing punctuation are ignored)."""
    w = word.lower().strip(".,;:!?\"'()[]").removesuffix("'s")
    if not w.isalpha():
        return "OTHER"
    if w in _NOUN_EXCEPTIONS:
        return "NOUN"
    if w in _FUNCTION or w in _VERBS:
        return "OTHER"
    if w in _ADJECTIVES or w.endswith(("ful", "ous", "less")):
        return "ADJ"
    if len(w) > 4 and w.endswith(("ing", "ed", "ly")):
        return "OTHER"
    return "NOUN"


def coarse_tags(words: list[str]) -> list[Tag]:
    """:func:`coarse_tag` of each word."""
    return [coarse_tag(w) for w in words]
