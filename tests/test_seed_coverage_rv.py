"""Every item of the Risk and Vulnerability Assessment's sources is on its blank form, in the seeds' words.

Sources:
- shared/seeds/000_c5d376830e3051f9.txt: the assessment process; its guidance paragraphs are quoted on the form.
- shared/seeds/002_44c490bf95ce7359.txt, section 1.3 (the groups particularly vulnerable) and section 1.4 (the
  potential signs, the linked crimes and the other factors affecting welfare). The seed separates words with
  tabs; comparisons are whitespace-insensitive. Labels drop the trailing ";" some bullets carry.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pdfplumber
import pytest

from cse_pdf.blank.generate import generate
from cse_pdf.form.catalog import find_form

FORM_ID = "cse-risk-vulnerability"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# 002 section 1.3: "some groups are particularly vulnerable, these include children and young people;"
VULNERABLE_GROUPS = [
    "Who have a history of running away or of going missing from care or home",
    "With special educational needs",
    "Leaving residential and foster care",
    "Who are migrants",
    "Who are unaccompanied asylum seekers, who may be particularly vulnerable to being coerced / trafficked into "
    "prostitution",
    "With persistent school absence",
    "Who have disengaged from education, or have been excluded",
    "Who are abusing drugs and alcohol, and those involved in gangs",
    "Who have previously been sexually abused at home, and/or are living with domestic violence",
    "Who are being looked after by the local authority or are care leavers",
    "Who are homeless",
    "Who are isolated from peers and/or are being bullied at school",
    "Who are estranged from their families",
    "Who lack self-esteem",
    "Who self harm",
    "Who have no financial support",
    "Who have a past history of sexual or physical abuse",
    "Who may have attempted suicide",
    "Who are young men unsure of their sexuality",
]

# 002 section 1.4: the potential signs of sexual exploitation
POTENTIAL_SIGNS = [
    "Physical symptoms: for example, sexually transmitted infections, or bruising suggestive of physical or sexual "
    "assault",
    "Prostitution: Reports from reliable sources, suggesting involvement in prostitution",
    "Crime; involved in petty theft from shops",
    "Multiple older partners: Repeatedly consorting with unknown adults by phone or internet outside of the usual "
    "range of social or family contacts and/or other children known to be involved in prostitution",
    "Unexplained income: Accounts of social activities with no plausible explanation of the source of necessary "
    "income",
    "Acquisition of expensive items: clothes/mobile phones/other expensive possessions without plausible "
    "explanation",
    "Money: Possession of large amounts of money without plausible explanation",
    "Poor family relationships: hostility in relationship with parents/carers and other family members",
    "Staying Out all night: Frequent reports of staying out overnight",
    "Missing: Episodes of running away/going missing",
    "Persistent absconding: from placement, or late return without plausible explanation",
    "Returning from running away/going missing: looking well cared for, despite having no known base",
    "Unusually long absconding: from placement with no known base",
    "Pattern of street homelessness",
    "Having keys to other premises other than those known about",
    "Absence from school: Persistent unexplained absence from school",
    "History of sexual abuse",
    "History of neglectful and/or emotionally abusive care",
    "Substance misuse: regular drug or alcohol misuse affecting the young person’s ability to function",
    "Despair/self-harm: including statements of intent to harm self, severe sleep disturbance, self-harming "
    "through cutting or overdose, eating disorder, intensive acting out, including promiscuity",
    "Volatile, aggressive behaviour: risk taking behaviour that makes the young person vulnerable and puts others "
    "at risk",
]

# 002 section 1.4: "Sexual exploitation also has links to other types of crime. These include:"
LINKED_CRIMES = [
    "Child trafficking (into, out of and within the UK)",
    "Domestic violence",
    "Sexual violence in intimate relationships",
    "Grooming (both online and offline)",
    "Abusive images of children and their distribution (organised abuse)",
    "Organised sexual abuse of children",
    "Drugs-related offences (dealing, consuming and cultivating)",
    "Gang-related activity",
    "Immigration-related offences",
    "Domestic servitude",
]

# 002 section 1.4: "… links to other factors likely to affect the welfare of children and young people including:"
LINKED_WELFARE = [
    "Running away from home and going missing",
    "Drug and alcohol misuse",
    "Sexual health",
    "Sexually risky behaviour",
    "Bullying",
    "Domestic servitude, neglect and violence",
    "Teenage pregnancy",
    "Long-term sexual, physical and psychological harm",
    "Forced marriage",
    "Self-harm and suicide",
]

# The form's own items (000 names "indicators of actual CSE" and the associates thresholds, not their wording)
ACTUAL_INDICATORS = [
    "Disclosure by the young person",
    "Witnessed or reliably reported incident of sexual exploitation",
    "Physical signs: sexually transmitted infection, pregnancy, injuries suggestive of sexual assault",
    "Reliable reports of involvement in prostitution or exchanging sex",
    "Indecent images of the young person used to coerce them",
]
ASSOCIATES_QUESTIONS = [
    "Is the young person associating with individuals known to have been sexually exploitative in other cases?",
    "Are there indicators of involvement with individuals suspected of CSE?",
]

# 000: the process, quoted on the form where the worker needs it
PROCESS = [
    "These risk and vulnerability matrices are intended to help you explore cases where you think children or young "
    "people you work may be experiencing or be at risk of sexual exploitation. It is intended to help you think "
    "about what the risks might be to the child or young person and what to do about the information you have. The "
    "toolbox must be used in the context of your organisation’s policy and procedures for child protection and "
    "safeguarding and cannot be treated as a substitute for these.",
    "Firstly, identify who is involved in the case that you are working on, including any significant family "
    "members, friends or network of professionals including foster carers. This includes the child or young person "
    "you think may be at risk, anyone who may be putting the child or young person at risk and anyone who takes a "
    "part in trying to reduce the risk or protect the child or young person from being exploited.",
    "Next, review the indicators of actual CSE present in the case. If you believe that a child or young person is "
    "being abused take immediate action, inform the police and children’s social care child protection team. Once "
    "you have raised these alerts complete the assessment instruments in this document and share these with the "
    "professionals involved in the case.",
    "If there are no indicators of actual CSE in the case, consider any indicators of suspected CSE. The presence of "
    "these indicators could still result in information sharing with police and children’s social services, "
    "however, the urgency of this needs to be counterbalanced by the need to provide as clear and complete a "
    "description of the case as possible. Identify and describe any indicators of suspected sexual exploitation "
    "recording any information you have about the child or young person and their associates or persons of "
    "concern.",
    "Besides identifying indicators of exploitation it is crucial to make notes about them too. For example, if you "
    "have received reports of the child or young person being taken somewhere by unknown adults it is essential "
    "that you record as much detail as possible about who reported this and where the child or young person was "
    "being taken.",
    "Having reviewed and annotated the indicators of CSE you will need to describe the child or young person’s "
    "vulnerabilities. These make them more likely to be targeted for, and susceptible to, sexual exploitation. "
    "Vulnerabilities are acquired throughout our lives as a consequence of particular circumstances and personal "
    "history so they are hard to anticipate and categorise. For this reason, the vulnerabilities check list only "
    "provides an indication of the sorts of things that can make a child or young person vulnerable. If you believe "
    "there are other sources of vulnerability specific to the case make a note of these at the end of the "
    "intra-personal vulnerabilities checklist.",
    "Once you have clarified indications of CSE and the vulnerabilities these combine with you will be able to make "
    "a balanced, summative risk assessment. In essence, high level risks are where there is evidence that the child "
    "or young person is associating with individuals who are known to have been sexually exploitative in other "
    "cases. Cases where there are indicators of involvement with individuals suspected of CSE are rated as medium "
    "level risk. All other cases are considered to be at the standard level of risk. These are the threshold "
    "conditions for the levels of risk, consequently, when making the summative assessment you should consider "
    "whether the child or young person’s vulnerabilities mean that they are significantly beyond these thresholds. "
    "If this is your judgment in cases where the indicators suggest standard or medium levels of risk then you "
    "should make your assessment at the next highest level. If the case already meets the threshold for high level "
    "risk and you consider the vulnerabilities to be significantly elevating the risk then you should act "
    "immediately and inform local children’s social services child protection teams and share your concerns with "
    "the police.",
    "You should always bear in mind other services may have other information about the case. If any of the "
    "indicators in Section 5 appear to be an issue in the case, particularly if there is more than one or when it "
    "is compounded by vulnerabilities in Section 6, you should speak to other agencies and, where appropriate, the "
    "family during the assessment. You should also consider using this toolbox to support discussion with your "
    "Designated Officer or to supplement a CAF/Shared Family Assessment or referral to another service including "
    "referral pathway for CSE and/or Children’s Social Care.",
    "Clearly, throughout the assessment process and whilst recording any information about the case it is "
    "important to bear in mind the need to treat sensitive information as confidential. However, it is also worth "
    "remembering that rights to privacy and reasonable expectations of confidentiality are not absolute and are "
    "limited relative to our duties to safeguard the vulnerable child or young person in our care.",
    "If you suspect anyone is in immediate danger, call the Police on 999. If a child or young person is currently "
    "at risk of significant harm, including from CSE, refer immediately to your local Children’s Social Care",
]

SEED_002_ITEMS = VULNERABLE_GROUPS + POTENTIAL_SIGNS + LINKED_CRIMES + LINKED_WELFARE
ON_THE_FORM = SEED_002_ITEMS + ACTUAL_INDICATORS + ASSOCIATES_QUESTIONS + PROCESS


def normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-")
    return re.sub(r"\s+", " ", text).strip().lower()


def _short(item: str) -> str:
    return item if len(item) <= 60 else item[:57] + "..."


@pytest.fixture(scope="module")
def rv():
    return find_form(FORM_ID)


@pytest.fixture(scope="module")
def form_text(rv) -> str:
    """Text box by text box (pdfminer layout analysis), so the checklists' two columns do not interleave."""
    with pdfplumber.open(io.BytesIO(generate(rv)), laparams={}) as pdf:
        boxes = [box["text"] for page in pdf.pages for box in page.objects.get("textboxhorizontal", [])]
    return normalise(" ".join(boxes))


@pytest.mark.parametrize("item", ON_THE_FORM, ids=_short)
def test_item_is_on_the_blank_form(item: str, form_text: str) -> None:
    assert normalise(item) in form_text


@pytest.mark.parametrize("checklists, expected", [
    (["vulnerability"], VULNERABLE_GROUPS),
    (["suspected"], POTENTIAL_SIGNS),
    (["linked_crime", "linked_welfare"], LINKED_CRIMES + LINKED_WELFARE),
    (["actual"], ACTUAL_INDICATORS),
])
def test_each_item_is_a_tick_box_in_the_seeds_order(rv, checklists: list[str], expected: list[str]) -> None:
    labels = [item.label for c in checklists for item in rv.checklists[c].items]
    assert [normalise(label) for label in labels] == [normalise(e) for e in expected]


def test_actual_and_suspected_indicators_each_have_a_notes_box(rv) -> None:
    for name in ("actual", "suspected"):
        checklist = rv.checklists[name]
        for item in checklist.items:
            assert rv.field_map[f"{name}.{item.id}_notes"].type == "multiline"


def test_the_associates_questions_are_the_scored_radios(rv) -> None:
    assert [rv.field_map[fid].label for fid in ("associates.known", "associates.suspected")] == ASSOCIATES_QUESTIONS


def _seed(name: str) -> str:
    path = SEEDS / name
    if not path.exists():
        pytest.skip("shared/seeds not beside the checkout")
    return normalise(path.read_text(encoding="utf-8"))


def test_the_listed_items_come_from_seed_002() -> None:
    """Guards the lists themselves: each 1.3 / 1.4 item occurs in the seed text (whitespace-insensitive)."""
    seed = _seed("002_44c490bf95ce7359.txt")
    assert [i for i in SEED_002_ITEMS if normalise(i) not in seed] == []


def test_the_quoted_process_comes_from_seed_000() -> None:
    seed = _seed("000_c5d376830e3051f9.txt")
    assert [_short(p) for p in PROCESS if normalise(p) not in seed] == []
