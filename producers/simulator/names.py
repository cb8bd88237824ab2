"""Reference names: UK given names by sex and birth era, surnames by heritage, nicknames.

The region is diverse (Luton especially), so names come from four heritage pools. British
given names follow the fashion of the birth era (a Doris born in 1935, an Olivia in 2015);
the other pools are used across eras. Surnames are listed most common first and drawn with a
Zipf-like weight, so Smith is far more common than Hale.
"""

from __future__ import annotations

import random
from enum import StrEnum
from itertools import accumulate
from typing import Literal

Sex = Literal["MALE", "FEMALE", "OTHER", "UNKNOWN"]
"""The schema's ``Sex`` symbols."""


class Heritage(StrEnum):
    """Which name pool a family draws from."""

    BRITISH = "british"
    SOUTH_ASIAN = "south_asian"
    EASTERN_EUROPEAN = "eastern_european"
    AFRICAN_CARIBBEAN = "african_caribbean"


# Birth years up to (and including) each bound use that era's British names.
_ERA_BOUNDS = (1944, 1959, 1974, 1989, 2004, 9999)

_BRITISH_MALE = (
    "William John George Thomas James Arthur Frederick Albert Charles Robert Henry Harold Ernest "
    "Walter Frank Leonard Stanley Alfred Edward Kenneth Dennis Ronald Reginald Douglas Norman",
    "David John Michael Peter Robert Stephen Paul Christopher Anthony Richard Alan Brian Keith "
    "Graham Malcolm Colin Roger Trevor Barry Terence Geoffrey Philip Ian Kevin Martin Derek",
    "David Paul Mark Andrew Stephen Ian Michael Gary Richard Peter Robert Simon Neil Darren "
    "Kevin Steven Jonathan Nicholas Philip Martin Lee Dean Jason Craig Anthony Timothy Carl",
    "Christopher James David Daniel Michael Matthew Andrew Richard Paul Mark Thomas Adam Robert "
    "John Lee Benjamin Steven Jonathan Craig Stuart Ryan Jamie Simon Nicholas Scott Gareth",
    "Thomas James Jack Daniel Joshua Matthew Samuel Joseph Ryan Luke Callum Benjamin Adam Lewis "
    "Liam Jake Alexander Connor Jordan Kieran Nathan Oliver Harry Charlie George William",
    "Oliver Harry Jack George Noah Charlie Jacob Alfie Freddie Oscar Leo Arthur Archie Theo "
    "Thomas Henry Joshua William Logan James Ethan Isaac Max Lucas Finley Teddy Riley Edward",
)
_BRITISH_FEMALE = (
    "Mary Margaret Joan Dorothy Doris Joyce Kathleen Irene Betty Eileen Elizabeth Edna Florence "
    "Elsie Ivy Winifred Gladys Marjorie Jean Vera Audrey Phyllis Hilda Lilian Violet Barbara",
    "Susan Linda Christine Margaret Janet Patricia Carol Elizabeth Mary Anne Jennifer Sandra "
    "Gillian Pauline Valerie Lesley Jacqueline Barbara Maureen Brenda Sheila Diane Wendy Judith",
    "Julie Karen Susan Tracey Deborah Sarah Amanda Alison Jacqueline Helen Nicola Elizabeth "
    "Joanne Lisa Claire Michelle Catherine Jane Sharon Dawn Lorraine Angela Caroline Louise",
    "Sarah Claire Emma Laura Rebecca Gemma Rachel Kelly Nicola Lisa Joanne Michelle Helen "
    "Samantha Louise Amy Stacey Victoria Natalie Zoe Hayley Katie Jennifer Jessica Charlotte",
    "Jessica Lauren Rebecca Sophie Charlotte Hannah Amy Emily Chloe Emma Megan Katie Laura "
    "Bethany Danielle Shannon Holly Olivia Georgia Ellie Lucy Abigail Jade Eleanor Alice",
    "Olivia Amelia Isla Ava Emily Sophia Grace Lily Mia Isabella Ella Poppy Evie Freya "
    "Charlotte Florence Willow Daisy Sienna Ruby Millie Alice Phoebe Matilda Rosie Elsie Ivy",
)
_POOL_GIVEN: dict[tuple[Heritage, Sex], str] = {
    (Heritage.SOUTH_ASIAN, "MALE"): (
        "Mohammed Muhammad Mohammad Ahmed Ali Imran Hassan Usman Bilal Zain Ayaan Ibrahim Yusuf "
        "Amir Arjun Rajesh Sanjay Vikram Harpreet Gurpreet Ravi Anil Sunil Rahul Tariq Asif"
    ),
    (Heritage.SOUTH_ASIAN, "FEMALE"): (
        "Fatima Aisha Ayesha Zainab Maryam Sana Nadia Amina Hafsa Samina Shabana Nazia Rukhsana "
        "Parveen Priya Anjali Sunita Neha Pooja Kiran Harjit Manjit Simran Amrit Saira Noor Zara"
    ),
    (Heritage.EASTERN_EUROPEAN, "MALE"): (
        "Piotr Tomasz Krzysztof Pawel Marcin Michal Lukasz Jakub Kamil Adrian Andrei Ionut Mihai "
        "Vasile Florin Darius Tomas Mantas"
    ),
    (Heritage.EASTERN_EUROPEAN, "FEMALE"): (
        "Anna Katarzyna Agnieszka Magdalena Joanna Monika Ewa Natalia Aleksandra Karolina Ioana "
        "Elena Andreea Maria Alina Ruta Inga Oksana"
    ),
    (Heritage.AFRICAN_CARIBBEAN, "MALE"): (
        "Oluwaseun Chinedu Emeka Kwame Kofi Tunde Olumide Samuel Daniel Emmanuel David Joseph "
        "Delroy Winston Leroy Marcus Tyrone Jermaine"
    ),
    (Heritage.AFRICAN_CARIBBEAN, "FEMALE"): (
        "Chioma Ngozi Adaeze Funmilayo Blessing Grace Precious Abena Ama Folasade Yetunde Marcia "
        "Paulette Beverley Shanice Keisha"
    ),
}
_SURNAMES: dict[Heritage, str] = {
    Heritage.BRITISH: (
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
        "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson Wood "
        "Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
        "James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly "
        "Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Marshall "
        "Anderson Simpson Ellis Adams Wilkinson Foster Chapman Powell Webb Rogers Gray Mason "
        "Hunt Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell "
        "Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Fletcher Walsh Gibson "
        "Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West "
        "Lawrence Cole Atkinson Bradley Spencer Dawson Ball Burton O'Brien Watts Rose Booth "
        "Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster "
        "Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland "
        "Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner "
        "Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd "
        "Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson "
        "Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill "
        "Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace Jordan "
        "Hutchinson Rowe Burke Pritchard Gilbert Willis Higgins Read Miles Stevenson Hammond "
        "Arnold Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan Whitehead Mann Frost "
        "Lambert Stephens Blake Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett "
        "Baxter Clayton Nash Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker "
        "Davidson Fowler Heath Norman Middleton Lawson Banks French Stanley Jarvis Gibbs "
        "Ferguson Hayward Carroll Douglas Dickinson Todd Barlow Peters Lucas Knowles Hartley"
    ),
    Heritage.SOUTH_ASIAN: (
        "Khan Hussain Ahmed Ali Begum Patel Singh Kaur Akhtar Iqbal Mahmood Shah Rahman Malik "
        "Butt Chaudhry Rashid Sharma Gill Sandhu Islam Uddin Miah Bibi Aslam Javed Raza Qureshi"
    ),
    Heritage.EASTERN_EUROPEAN: (
        "Nowak Wojcik Kowalczyk Wozniak Mazur Krawczyk Zajac Krol Popescu Ionescu Popa Stan "
        "Dumitru Lewandowski Kaminski Baran"
    ),
    Heritage.AFRICAN_CARIBBEAN: (
        "Okafor Adeyemi Okonkwo Mensah Owusu Boateng Adebayo Ogunleye Eze Nwosu Asante Campbell "
        "Brown Williams Thompson Johnson Francis Grant Clarke"
    ),
}

NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Richard": ("Rick", "Dick", "Richie"),
    "Thomas": ("Tom", "Tommy"),
    "Katherine": ("Kate", "Kathy"),
    "Catherine": ("Cathy", "Kate"),
    "Jennifer": ("Jen", "Jenny"),
    "Michael": ("Mike", "Mick"),
    "Christopher": ("Chris",),
    "Anthony": ("Tony",),
    "Edward": ("Ed", "Ted", "Eddie"),
    "Susan": ("Sue", "Susie"),
    "Patricia": ("Pat", "Trish"),
    "Deborah": ("Debbie", "Debs"),
    "Alexander": ("Alex",),
    "Samuel": ("Sam",),
    "Samantha": ("Sam",),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Joseph": ("Joe",),
    "Benjamin": ("Ben",),
    "Jonathan": ("Jon",),
    "Nicholas": ("Nick",),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "Victoria": ("Vicky",),
    "Rebecca": ("Becky",),
    "Jessica": ("Jess",),
    "Abigail": ("Abby",),
    "Charlotte": ("Lottie",),
    "Peter": ("Pete",),
    "Frederick": ("Fred", "Freddie"),
    "Henry": ("Harry",),
    "Mohammed": ("Mo",),
    "Muhammad": ("Mo",),
    "Kenneth": ("Ken", "Kenny"),
    "Ronald": ("Ron", "Ronnie"),
    "Leonard": ("Len",),
    "Gillian": ("Gill",),
    "Jacqueline": ("Jackie",),
    "Dorothy": ("Dot",),
    "Valerie": ("Val",),
    "Christine": ("Chris",),
    "Andrew": ("Andy",),
    "David": ("Dave",),
    "Timothy": ("Tim",),
    "Philip": ("Phil",),
    "Nicola": ("Nicky",),
    "Joanne": ("Jo",),
    "Amanda": ("Mandy",),
    "Judith": ("Judy",),
    "Alfred": ("Alf",),
    "Albert": ("Bert",),
    "Stanley": ("Stan",),
    "Terence": ("Terry",),
    "Eleanor": ("Ellie",),
    "Isabella": ("Bella", "Izzy"),
    "Oliver": ("Ollie",),
    "Joshua": ("Josh",),
    "Florence": ("Flo",),
    "Jacob": ("Jake",),
    "Katarzyna": ("Kasia",),
    "Aleksandra": ("Ola",),
    "Oluwaseun": ("Seun",),
    "Olumide": ("Mide",),
}
"""Formal given name -> the short forms a receptionist may type instead."""


def _weighted(words: str) -> tuple[tuple[str, ...], list[float]]:
    """Names in order with Zipf-like cumulative weights (rank r weighs 1 / (r + 4))."""
    names = tuple(words.split())
    return names, list(accumulate(1.0 / (rank + 4) for rank in range(len(names))))


_BRITISH_GIVEN = {
    "MALE": tuple(_weighted(era) for era in _BRITISH_MALE),
    "FEMALE": tuple(_weighted(era) for era in _BRITISH_FEMALE),
}
_OTHER_GIVEN = {key: _weighted(words) for key, words in _POOL_GIVEN.items()}
_FAMILY = {heritage: _weighted(words) for heritage, words in _SURNAMES.items()}


def _era(birth_year: int) -> int:
    return next(i for i, bound in enumerate(_ERA_BOUNDS) if birth_year <= bound)


def given_name(rng: random.Random, *, sex: Sex, birth_year: int, heritage: Heritage) -> str:
    """A given name fitting sex, birth era (British names) and heritage."""
    if heritage is Heritage.BRITISH:
        names, weights = _BRITISH_GIVEN[sex][_era(birth_year)]
    else:
        names, weights = _OTHER_GIVEN[(heritage, sex)]
    return rng.choices(names, cum_weights=weights)[0]


def family_name(rng: random.Random, heritage: Heritage) -> str:
    """A surname from the heritage pool, common names more often."""
    names, weights = _FAMILY[heritage]
    return rng.choices(names, cum_weights=weights)[0]


def nickname(rng: random.Random, formal: str) -> str | None:
    """A short form of ``formal`` (Bob for Robert), or None when it has none."""
    options = NICKNAMES.get(formal)
    return rng.choice(options) if options else None
