"""The dashboard's two languages: Dutch (the default for municipal staff) and English.

Texts are written in English in the code and wrapped in :func:`tr`; the English text is
the key of :data:`NL`, its Dutch translation. Placeholders (``{n}``) are filled after
translation, so the numbers in them are formatted for the language by :func:`number`,
:func:`euro` and :func:`percent` (Dutch: 1.234,5 and € 3,6 miljoen; English: 1,234.5 and
€3.6 million). A text without a Dutch entry shows in English and is recorded in
:data:`MISSING`; a test renders the page in Dutch and asserts that nothing is missing,
and another reads every literal passed to ``tr`` in the package's source.
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["LANGS", "MISSING", "NL", "Lang", "euro", "number", "percent", "tr"]

Lang = Literal["nl", "en"]
#: The languages of the page, in the order of the switch; the first is the default.
LANGS: dict[str, str] = {"nl": "Nederlands", "en": "English"}
#: English texts asked for in Dutch that have no translation (filled as the page renders).
MISSING: set[str] = set()


def tr(lang: str, text: str, /, **values: object) -> str:
    """``text`` in ``lang``, with ``values`` filled in (``str.format``)."""
    if lang == "nl":
        dutch = NL.get(text)
        if dutch is None:
            MISSING.add(text)
        else:
            text = dutch
    return text.format(**values) if values else text


def _dutch(s: str) -> str:
    """1,234.5 → 1.234,5 (swap the separators of an English-formatted number)."""
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def number(x: float, lang: str, decimals: int = 0) -> str:
    """A number with thousands separators and ``decimals`` decimals, "—" if not finite."""
    if x is None or not math.isfinite(x):
        return "—"
    if round(x, decimals) == 0:
        x = 0.0  # no "−0" for a small negative
    s = f"{x:,.{decimals}f}".replace("-", "−")
    return _dutch(s) if lang == "nl" else s


def euro(x: float, lang: str, exact: bool = False) -> str:
    """An amount in plain words: €3.6 million, €278,000, €950 (Dutch: € 3,6 miljoen).

    Rounded to what a reader needs of a total; ``exact`` keeps a price as it is (€15,
    €22.50), for amounts that are settings rather than results.
    """
    if x is None or not math.isfinite(x):
        return "—"
    sign = "−" if x < 0 else ""
    a = abs(x)
    space = " " if lang == "nl" else ""
    if exact:
        return f"{sign}€{space}{number(a, lang, 0 if float(a).is_integer() else 2)}"
    if a >= 1e6:
        word = "miljoen" if lang == "nl" else "million"
        return f"{sign}€{space}{number(a / 1e6, lang, 1)} {word}"
    if a >= 1e4:
        return f"{sign}€{space}{number(round(a, -3), lang)}"
    return f"{sign}€{space}{number(round(a, -1), lang)}"


def percent(p: float, lang: str, decimals: int = 0) -> str:
    """A probability or share (0-1) in percent: 72 % (Dutch, with a space) or 72%."""
    if p is None or not math.isfinite(p):
        return "—"
    return f"{number(100 * p, lang, decimals)}{' %' if lang == 'nl' else '%'}"


#: English → Dutch, by the module that first uses a text, in the order of its source.
#: Terms of the field as Dutch municipalities, care offices and providers use them:
#: Wmo-cliënten, mantelzorgers, zorgkantoor (Wlz), zorgverzekeraars (Zvw),
#: woningcorporatie, contante waarde, verdisconteerd, 'de verkeerde portemonnee'.
NL: dict[str, str] = {
    # --- controls.py: the sidebar's sections, contract and complex controls, units
    "none": "geen",
    "The four interventions": "De vier interventies",
    "The contract": "Het contract",
    "The complex and its residents": "Het complex en de bewoners",
    "Simulation": "Simulatie",
    "household help (Wmo)": "huishoudelijke hulp (Wmo)",
    "guidance, begeleiding (Wmo)": "begeleiding (Wmo)",
    "district nursing (Zvw)": "wijkverpleging (Zvw)",
    "long-term care at home (Wlz)": "langdurige zorg thuis (Wlz)",
    "How the collective offer is paid": "Bekostiging van het collectieve aanbod",
    ("Per client: the plus, a fixed amount a week for each Wmo client of the flat's provider "
     "(€15 in the 2021 contract). Lump sum: a fixed budget, whatever the number of clients."):
        ("Per cliënt: de plus, een vast bedrag per week voor elke Wmo-cliënt van de "
         "zorgaanbieder van de flat (€ 15 in het contract van 2021). Lumpsum: een vast budget, "
         "ongeacht het aantal cliënten."),
    "per client": "per cliënt",
    "lump sum": "lumpsum",
    "Clients asked to switch to the flat's provider":
        "Cliënten gevraagd over te stappen naar de zorgaanbieder van de flat",
    ("From January 2022, residents with these kinds of care are asked to switch to the flat's "
     "provider."):
        ("Vanaf januari 2022 wordt bewoners met deze vormen van zorg gevraagd over te stappen "
         "naar de zorgaanbieder van de flat."),
    "Asked clients who agree to switch": "Gevraagde cliënten die instemmen met overstappen",
    ("Chance that a client who is asked agrees to switch (clients attached to their own care "
     "worker agree less often)."):
        ("Kans dat een gevraagde cliënt instemt met overstappen (cliënten die gehecht zijn aan "
         "hun eigen zorgverlener stemmen minder vaak in)."),
    "Common room open to the neighbourhood": "Ontmoetingsruimte open voor de wijk",
    "0 % = for residents only, 100 % = fully open to people from the neighbourhood.":
        "0 % = alleen voor bewoners, 100 % = helemaal open voor mensen uit de wijk.",
    "Community builder from a welfare organisation": "Opbouwwerker van een welzijnsorganisatie",
    "hours a week": "uur per week",
    "Hours a week a community builder works in the building.":
        "Aantal uren per week dat een opbouwwerker in het gebouw werkt.",
    "Newcomers who are still vital": "Nieuwe bewoners die nog vitaal zijn",
    "Share of new residents who are vital; the rest are less vital.":
        "Aandeel nieuwe bewoners dat vitaal is; de rest is minder vitaal.",
    "Dwellings in the complex": "Woningen in het complex",
    "dwellings": "woningen",
    "Size of the complex (Thuisplusflats have 200-300 dwellings).":
        "Omvang van het complex (Thuisplusflats hebben 200 tot 300 woningen).",
    "Years to simulate": "Te simuleren jaren",
    "years": "jaar",
    "How far ahead to look, from January 2021.":
        "Hoe ver vooruit de simulatie kijkt, vanaf januari 2021.",
    # --- sim/interventions/*.py: label and help of each intervention's slider
    "Care prevention": "Preventie",
    ("Daily activities and exercise in the common room; a fixed team that notices early signs of "
     "decline. 0 % = not done, 100 % = as designed."):
        ("Dagelijkse activiteiten en bewegen in de ontmoetingsruimte; een vast team dat vroege "
         "signalen van achteruitgang opmerkt. 0 % = niet uitgevoerd, 100 % = zoals bedoeld."),
    "Support for informal carers": "Mantelzorgondersteuning",
    "A support worker for family carers and help from neighbours, so fewer carers break down.":
        ("Een mantelzorgconsulent voor mantelzorgers en hulp van buren, zodat minder "
         "mantelzorgers overbelast raken en uitvallen."),
    "Countering loneliness": "Eenzaamheid tegengaan",
    "Activities to make friends in the building and visits to residents who do not come out.":
        ("Activiteiten om in het gebouw contacten te leggen en huisbezoeken bij bewoners die de "
         "deur niet uitkomen."),
    "Good employership": "Goed werkgeverschap",
    ("A small fixed team on the payroll: less travel, fewer agency staff, less turnover, "
     "familiar faces."):
        ("Een klein vast team in loondienst: minder reistijd, minder personeel niet in "
         "loondienst (PNIL), minder verloop, bekende gezichten."),
    # --- compute.py: parties, laws, building legend, likelihood, verdict, headline, key figures
    "municipality (Wmo)": "gemeente (Wmo)",
    "health insurers (Zvw)": "zorgverzekeraars (Zvw)",
    "care office (Wlz)": "zorgkantoor (Wlz)",
    "flat's care provider": "zorgaanbieder van de flat",
    "other care providers": "andere zorgaanbieders",
    "housing corporation": "woningcorporatie",
    "carers' employers": "werkgevers van mantelzorgers",
    "informal carers": "mantelzorgers",
    "Wmo (municipality)": "Wmo (gemeente)",
    "Zvw (health insurers)": "Zvw (zorgverzekeraars)",
    "Wlz (care office)": "Wlz (zorgkantoor)",
    "vital": "vitaal",
    "less vital": "minder vitaal",
    "frail": "kwetsbaar",
    "empty dwelling": "lege woning",
    "not lonely": "niet eenzaam",
    "lonely": "eenzaam",
    "severely lonely": "ernstig eenzaam",
    "Wmo client of the flat's provider": "Wmo-cliënt van de zorgaanbieder van de flat",
    "Wmo client of another provider": "Wmo-cliënt van een andere zorgaanbieder",
    "no Wmo support": "geen Wmo-ondersteuning",
    "very likely": "zeer waarschijnlijk",
    "likely": "waarschijnlijk",
    "about as likely as not": "ongeveer even waarschijnlijk als niet",
    "unlikely": "onwaarschijnlijk",
    "very unlikely": "zeer onwaarschijnlijk",
    "{words} ({p} of the runs; with {n} runs the share lies between {lo} and {hi})":
        "{words} ({p} van de runs; bij {n} runs ligt dat aandeel tussen {lo} en {hi})",
    ("**The effect sizes are kept fixed in these runs**, so they show only chance: the flat pays "
     "off for society in {p} of {n} runs. That is not the chance that it pays off: switch on "
     "**Uncertain effects** for that."):
        ("**De effectgroottes liggen in deze runs vast**, dus de runs laten alleen toeval zien: "
         "de flat loont voor de samenleving in {p} van {n} runs. Dat is niet de kans dat de flat "
         "loont: zet daarvoor **Onzekere effecten** aan."),
    ("**Too few runs for a verdict yet** ({n} of at least {m}): the flat paid off for society in "
     "{k} of them."):
        ("**Nog te weinig runs voor een oordeel** ({n} van minstens {m}): de flat loonde voor de "
         "samenleving in {k} daarvan."),
    "**That the flat pays off for society is {s}.** For the municipality's own budget it is {m}.":
        ("**Dat de flat loont voor de samenleving, is {s}.** Voor de eigen begroting van de "
         "gemeente is dat {m}."),
    "*More runs would make this firmer.*": "*Met meer runs wordt dit zekerder.*",
    ("Each run is one possible world. **Chance:** in one complex, who falls, falls ill or needs "
     "a nursing home differs from run to run (within a run, the same with and without the "
     "flat). **Parameters:** "
     "most effect sizes are not known from studies, so each run draws them from the ranges of "
     "the evidence review; the probability says how much the answer rests on assumptions."):
        ("Elke run is één mogelijke werkelijkheid. **Toeval:** wie in een complex valt, ziek "
         "wordt of naar een verpleeghuis moet, verschilt van run tot run (binnen een run gelijk "
         "met en zonder flat). **Parameters:** de meeste effectgroottes zijn niet uit onderzoek "
         "bekend, dus elke run trekt ze uit de bandbreedtes van de literatuurstudie; de kans "
         "laat zien hoeveel het antwoord op aannames rust."),
    ("The {k} figures fitted to the 2021-2023 evaluation data are drawn from that fit (the "
     "calibration's posterior)."):
        ("De {k} waarden die op de evaluatiegegevens van 2021-2023 zijn geschat, worden uit "
         "die schatting getrokken (de posterior van de kalibratie)."),
    ("Kept at this setting's value, not drawn: {k} of the uncertainties (those a slider or the "
     "parameter file sets)."):
        ("Niet getrokken maar vastgehouden op de waarde van deze instelling: {k} van de onzekere "
         "parameters (die een schuifregelaar of het parameterbestand instelt)."),
    ("**No Thuisplusflat in this setting** (it is switched off): both arms are the same complex, "
     "so nothing is avoided and nobody pays or gains."):
        ("**Geen Thuisplusflat in deze instelling** (die staat uit): met en zonder is hetzelfde "
         "complex, dus er wordt niets vermeden en niemand betaalt of profiteert."),
    ("In the simulation the flat's provider has about **{a} Wmo clients** on 1 January 2023 and "
     "**{b}** at the end."):
        ("In de simulatie heeft de zorgaanbieder van de flat op 1 januari 2023 ongeveer **{a} "
         "Wmo-cliënten** en aan het eind **{b}**."),
    "In the simulation the flat's provider has about **{b} Wmo clients** at the end.":
        ("In de simulatie heeft de zorgaanbieder van de flat aan het eind ongeveer **{b} "
         "Wmo-cliënten**."),
    "a loss of {x}": "een verlies van {x}",
    "a profit of {x}": "een winst van {x}",
    "it breaks even from about **{n} clients**":
        "de exploitatie is kostendekkend vanaf ongeveer **{n} cliënten**",
    "it does not break even at any volume":
        "bij geen enkel aantal cliënten is de exploitatie kostendekkend",
    ("**Funded per client.** {reached} With **40 clients** the provider's Thuisplusflat books "
     "show **{books} a year**: the plus of {plus} a week per client {pays}; {be}."):
        ("**Per cliënt gefinancierd.** {reached} Bij **40 cliënten** laat de "
         "Thuisplusflat-exploitatie van de zorgaanbieder **{books} per jaar** zien: de plus van "
         "{plus} per cliënt per week {pays}; {be}."),
    "does not pay for the team it must run":
        "dekt de kosten niet van het team dat de aanbieder moet inzetten",
    "pays for the team it must run": "dekt de kosten van het team dat de aanbieder moet inzetten",
    ("**Funded as a lump sum.** {reached} The provider's Thuisplusflat budget does not depend on "
     "how many residents switch: with **40 clients** its books show **{books} a year**."):
        ("**Als lumpsum gefinancierd.** {reached} Het Thuisplusflat-budget van de zorgaanbieder "
         "hangt niet af van hoeveel bewoners overstappen: bij **40 cliënten** laat de "
         "exploitatie **{books} per jaar** zien."),
    "it avoids {x} of care and other costs": "de flat vermijdt {x} aan zorg- en andere kosten",
    "it adds {x} of care and other costs instead of avoiding them":
        "de flat brengt {x} extra zorg- en andere kosten mee in plaats van die te vermijden",
    ("**On average over the runs**, over {years} years of the flat and the {follow} years after "
     "(following everyone who lived there, wherever they moved), {gains}, against {cost} for the "
     "team, the plus, the room and the delivery of the interventions: a net {net} of "
     "**{amount}** in today's money."):
        ("**Gemiddeld over de runs**, over {years} jaar Thuisplusflat en de {follow} jaar daarna "
         "(iedereen die er woonde wordt gevolgd, waar die ook heen verhuisde): {gains}, "
         "tegenover {cost} voor het team, de plus, de ontmoetingsruimte en de uitvoering van de "
         "interventies. Dat is een netto {net} van **{amount}** in contante waarde."),
    "gain": "voordeel",
    "loss": "nadeel",
    "**Who pays:**": "**Wie betaalt:**",
    "the {who} {x} net": "{who} netto {x}",
    "**Who gains:**": "**Wie profiteert:**",
    "the {who} {x}": "{who} {x}",
    "The municipality pays, others gain: the 'wrong pocket'.":
        "De gemeente betaalt, anderen profiteren: de 'verkeerde portemonnee'.",
    ("Residents: {lonely} years of severe loneliness avoided over their lives; informal carers: "
     "{carers} years of overburden avoided."):
        ("Bewoners: {lonely} jaar ernstige eenzaamheid vermeden over hun verdere leven; "
         "mantelzorgers: {carers} jaar overbelasting vermeden."),
    "Averages over {n} runs; the bands in the plots show the {low}th-{high}th percentile range.":
        ("Gemiddelden over {n} runs; de banden in de figuren tonen het bereik van het {low}e tot "
         "het {high}e percentiel."),
    "Chance it pays off for society": "Kans dat de flat loont voor de samenleving",
    "Chance it pays off for the municipality": "Kans dat de flat loont voor de gemeente",
    "Care cost avoided (all laws)": "Vermeden zorgkosten (alle wetten)",
    "Net for society (discounted)": "Netto voor de samenleving (verdisconteerd)",
    "Flat's provider: Wmo clients at the end":
        "Zorgaanbieder van de flat: Wmo-cliënten aan het eind",
    "Provider's books at 40 clients": "Exploitatie zorgaanbieder bij 40 cliënten",
    "{x} a year": "{x} per jaar",
    "{d} points": "{d} procentpunt",
    "figure": "kerncijfer",
    "Runs in which B beats A for society": "Runs waarin B beter uitpakt dan A voor de samenleving",
    # --- app.py: the page (figure titles and notes are passed to tr by Figure)
    "as started": "zoals gestart",
    "vitality": "vitaliteit",
    "loneliness": "eenzaamheid",
    "care provider": "zorgaanbieder",
    "This figure could not be drawn for this setting: {error}":
        "Deze figuur kon voor deze instelling niet worden getekend: {error}",
    "The building": "Het gebouw",
    ("Each square is a dwelling, floors from the ground up, on {date} (the end of the programme "
     "in the first run). A dwelling takes the colour of its frailest or loneliest resident."):
        ("Elk vakje is een woning, verdiepingen van beneden naar boven, op {date} (het eind van "
         "het programma in de eerste run). Een woning krijgt de kleur van de meest kwetsbare of "
         "meest eenzame bewoner."),
    "with the Thuisplusflat": "met de Thuisplusflat",
    "without": "zonder",
    "The answer": "Het antwoord",
    "Option A (pinned) and option B (the sliders now)":
        "Optie A (vastgezet) en optie B (de schuifregelaars nu)",
    "Does it pay off? One dot per run": "Loont het? Eén stip per run",
    ("Each dot is one run: one possible world of chance events and effect sizes. Right of the "
     "line the flat pays off."):
        ("Elke stip is één run: één mogelijke werkelijkheid van toevalsgebeurtenissen en "
         "effectgroottes. Rechts van de lijn loont de flat."),
    "Who pays, who gains": "Wie betaalt, wie profiteert",
    ("Costs (red) and gains (blue) of each party over the whole period, discounted to today's "
     "money; the diamond is the net."):
        ("Kosten (rood) en baten (blauw) van elke partij over de hele periode, verdisconteerd "
         "naar contante waarde; de ruit is het saldo."),
    "The provider's books against its client numbers":
        "De exploitatie van de zorgaanbieder tegenover het aantal cliënten",
    ("Yearly income from the contract minus the team it must run. The marks: 40 clients (where "
     "most flats got stuck) and 100 (the target)."):
        ("Jaarlijkse inkomsten uit het contract min de kosten van het team dat de aanbieder moet "
         "inzetten. De markeringen: 40 cliënten (waar de meeste flats bleven steken) en 100 (het "
         "doel)."),
    "Care cost per law, with and without the Thuisplusflat":
        "Zorgkosten per wet, met en zonder de Thuisplusflat",
    ("Yearly cost of the care residents use, per payer (same residents, same chance events; the "
     "difference is the flat's effect)."):
        ("Jaarlijkse kosten van de zorg die bewoners gebruiken, per financier (dezelfde "
         "bewoners, dezelfde toevalsgebeurtenissen; het verschil is het effect van de flat)."),
    "Care cost avoided so far, per law": "Tot nu toe vermeden zorgkosten, per wet",
    "Cumulative difference between without and with (not discounted).":
        "Cumulatief verschil tussen zonder en met (niet verdisconteerd).",
    "Loneliness and carers": "Eenzaamheid en mantelzorgers",
    "Share of residents who are severely lonely, and of informal carers who are overburdened.":
        "Aandeel bewoners dat ernstig eenzaam is, en aandeel mantelzorgers dat overbelast is.",
    "Settings (parameter file)": "Instellingen (parameterbestand)",
    "Report (to print)": "Rapport (om te printen)",
    "Business case (spreadsheet)": "Business case (spreadsheet)",
    "All results (CSV)": "Alle resultaten (CSV)",
    "Thuisplusflat dashboard": "Thuisplusflat-dashboard",
    "Thuisplusflat: what does it avoid, who pays, who gains?":
        "Thuisplusflat: wat vermijdt de flat, wie betaalt, wie profiteert?",
    "Started with: <b>{label}</b>": "Gestart met: <b>{label}</b>",
    "default parameters": "de standaardparameters",
    "Starting point": "Startpunt",
    "The parameters the dashboard was started with.":
        "De parameters waarmee het dashboard is gestart.",
    "Runs": "Runs",
    ("Each run is one possible world. From {m} runs the page states the chance that the flat "
     "pays off; more runs make it firmer."):
        ("Elke run is één mogelijke werkelijkheid. Vanaf {m} runs noemt de pagina de kans dat de "
         "flat loont; met meer runs wordt die zekerder."),
    "Uncertain effects": "Onzekere effecten",
    ("On: each run draws the effect sizes and other uncertain figures from their ranges (as the "
     "probabilistic analysis does). Off: they stay at their central values and the runs differ "
     "only by chance."):
        ("Aan: elke run trekt de effectgroottes en andere onzekere waarden uit hun bandbreedte "
         "(zoals de probabilistische analyse doet). Uit: ze blijven op hun centrale waarde en de "
         "runs verschillen alleen door toeval."),
    "Random seed": "Seed (startwaarde toeval)",
    "This combination is out of range": "Deze combinatie valt buiten het toegestane bereik",
    "The settings cannot be simulated as they are. What is wrong, and what is allowed:":
        "Deze instellingen kunnen zo niet worden gesimuleerd. Wat er mis is, en wat is toegestaan:",
    "Move the slider back into range, or pick another starting point.":
        "Zet de schuifregelaar terug binnen het bereik, of kies een ander startpunt.",
    "The simulation stopped with an error: {error}. Change a setting to try again.":
        ("De simulatie is gestopt met een fout: {error}. Wijzig een instelling om het opnieuw te "
         "proberen."),
    "Recomputing {n} run(s)… the results below are from the previous setting.":
        ("{n} run(s) worden opnieuw berekend… de resultaten hieronder horen bij de vorige "
         "instelling."),
    "First answer: {k} of {n} runs so far; the numbers and bands firm up as the rest arrive.":
        ("Eerste antwoord: {k} van {n} runs tot nu toe; de getallen en banden worden zekerder "
         "naarmate de rest binnenkomt."),
    "Choose the settings in the sidebar.": "Kies de instellingen in de zijbalk.",
    "Pin as option A": "Vastzetten als optie A",
    "Back to option A": "Terug naar optie A",
    "Unpin A": "A losmaken",
    "{n} run(s), {d} dwellings, computed in {s} s": "{n} run(s), {d} woningen, berekend in {s} s",
    # --- sim/presets/*.toml: the starting points' descriptions (first line of each file)
    "No Thuisplusflat: fragmented providers, no room programme, no carer support, no transfer.":
        ("Geen Thuisplusflat: versnipperde zorgaanbieders, geen programma in de "
         "ontmoetingsruimte, geen mantelzorgondersteuning, geen overstap."),
    ("As contract-2021, but the transfer also approaches begeleiding, district-nursing and Wlz "
     "clients (EVAL §3 providers' request)."):
        ("Als contract-2021, maar bij de overstap worden ook cliënten met begeleiding, "
         "wijkverpleging en Wlz benaderd (EVAL §3, op verzoek van de zorgaanbieders)."),
    ("The 2021-2023 contract as run: per-client funding, household-help transfer from January "
     "2022 (EVAL §2-§3)."):
        ("Het contract 2021-2023 zoals uitgevoerd: financiering per cliënt, overstap van "
         "cliënten met huishoudelijke hulp vanaf januari 2022 (EVAL §2-§3)."),
    ("As contract-2021, but the collective offer is paid as a lump sum, independent of client "
     "volume (EVAL lesson 1)."):
        ("Als contract-2021, maar het collectieve aanbod wordt betaald als lumpsum, los van het "
         "aantal cliënten (EVAL les 1)."),
    "As contract-2021, with the common room fully open to the neighbourhood (EVAL lesson 4).":
        "Als contract-2021, met de ontmoetingsruimte helemaal open voor de wijk (EVAL les 4).",
    ("As contract-2021, with an inflow policy: of the dwellings that fall vacant, a share 20 "
     "percentage points larger goes to vital newcomers (EVAL lesson 3); its avoided care is "
     "partly a changed population."):
        ("Als contract-2021, met een toewijzingsbeleid: van de woningen die vrijkomen gaat een "
         "20 procentpunt groter deel naar vitale nieuwe bewoners (EVAL les 3); de vermeden zorg "
         "komt deels door een andere samenstelling van de bewoners."),
    # --- charts.py: the figures (SVG)
    # (3 more of its texts are above, where they are first used)
    "A (pinned)": "A (vastgezet)",
    "B (now)": "B (nu)",
    "the middle 90% of the runs": "de middelste 90 % van de runs",
    "pays": "kosten",
    "gains": "baten",
    "net": "saldo",
    "Who pays, who gains: discounted costs and gains per stakeholder":
        "Wie betaalt, wie profiteert: verdisconteerde kosten en baten per partij",
    "€ thousand over the whole period, in today's money":
        "duizend euro over de hele periode, in contante waarde",
    "funded per client": "per cliënt gefinancierd",
    "funded as a lump sum": "als lumpsum gefinancierd",
    "(chosen)": "(gekozen)",
    "simulated, at the end ({n})": "gesimuleerd, aan het eind ({n})",
    "The provider's yearly Thuisplusflat books against its Wmo clients":
        ("Jaarlijkse Thuisplusflat-exploitatie van de zorgaanbieder tegenover het aantal "
         "Wmo-cliënten"),
    "profit, € thousand per year": "resultaat, duizend euro per jaar",
    "{n} clients": "{n} cliënten",
    "Wmo clients of the flat's provider": "Wmo-cliënten van de zorgaanbieder van de flat",
    "Care cost per law and year, with and without the Thuisplusflat":
        "Zorgkosten per wet en per jaar, met en zonder de Thuisplusflat",
    "€ thousand per year": "duizend euro per jaar",
    "Severely lonely residents": "Ernstig eenzame bewoners",
    "Overburdened informal carers": "Overbelaste mantelzorgers",
    "Severely lonely residents and overburdened carers, with and without":
        "Ernstig eenzame bewoners en overbelaste mantelzorgers, met en zonder",
    "% of them": "% van de groep",
    "all three laws": "alle drie de wetten",
    "Cumulative avoided care cost per law": "Cumulatief vermeden zorgkosten per wet",
    "€ thousand avoided, cumulative": "duizend euro vermeden, cumulatief",
    "Society: net present value": "Samenleving: netto contante waarde",
    "Municipality: its own net": "Gemeente: eigen saldo",
    "one run, above zero": "één run, boven nul",
    "one run, zero or below": "één run, nul of lager",
    "mean over the runs": "gemiddelde over de runs",
    "The verdict run by run: net present value for society and the municipality":
        "Het oordeel per run: netto contante waarde voor de samenleving en voor de gemeente",
    "{p} above zero": "{p} boven nul",
    "The building: one square per dwelling, by floor":
        "Het gebouw: één vakje per woning, per verdieping",
    "floor": "verdieping",
    # --- export.py: the one-page report and the spreadsheet
    # (4 more of its texts are above, where they are first used)
    "Runs: {n}.": "Runs: {n}.",
    "Runs: {n} of {asked} (the report was made before all had finished).":
        "Runs: {n} van {asked} (het rapport is gemaakt voordat alle runs klaar waren).",
    ("Uncertain effects: drawn from the ranges of the evidence review in each run, so each run "
     "is one possible world; {k} of them kept at this setting's value."):
        ("Onzekere effecten: in elke run getrokken uit de bandbreedtes van de literatuurstudie, "
         "dus elke run is één mogelijke werkelijkheid; {k} ervan vastgehouden op de waarde van "
         "deze instelling."),
    ("Uncertain effects: kept at this setting's values in every run; the runs differ by chance "
     "only."):
        ("Onzekere effecten: in elke run vastgehouden op de waarden van deze instelling; de runs "
         "verschillen alleen door toeval."),
    ("Discounting: {rate} a year for euros and {effect} for person-years (scheme {scheme}), to "
     "{year}; euros in constant {prices} prices."):
        ("Discontering: {rate} per jaar voor euro's en {effect} voor persoonsjaren (schema "
         "{scheme}), naar {year}; euro's in constante prijzen, prijspeil {prices}."),
    ("Programme: {years} years from {start}; everyone who lived in the complex is followed "
     "{follow} more years."):
        ("Programma: {years} jaar vanaf {start}; iedereen die in het complex woonde, wordt "
         "daarna nog {follow} jaar gevolgd."),
    "Complex: {n} dwellings.": "Complex: {n} woningen.",
    "No parameter is changed from the model defaults.":
        "Geen enkele parameter wijkt af van de standaardwaarden van het model.",
    "parameter": "parameter",
    "value": "waarde",
    "model default": "standaardwaarde model",
    "unit": "eenheid",
    "Changed from the model defaults:": "Afwijkend van de standaardwaarden van het model:",
    "Thuisplusflat: does it pay off?": "Thuisplusflat: loont het?",
    "Made on {date} with the Thuisplusflat dashboard.":
        "Gemaakt op {date} met het Thuisplusflat-dashboard.",
    "Setting: {label}": "Instelling: {label}",
    "Key figures": "Kerncijfers",
    "Assumptions": "Aannames",
    "Figures": "Figuren",
    ("Made with thuisplus {version}, a simulation of one complex with and without a "
     "Thuisplusflat on the same chance events. The figures are model results under the "
     "assumptions above, not a forecast."):
        ("Gemaakt met thuisplus {version}, een simulatie van één complex met en zonder "
         "Thuisplusflat, met dezelfde toevalsgebeurtenissen. De cijfers zijn modeluitkomsten "
         "onder de aannames hierboven, geen voorspelling."),
    "what": "wat",
    ("The social business case of a Thuisplusflat as the dashboard computed it: who pays and who "
     "gains, from paired simulations of one complex without and with the Thuisplusflat on the "
     "same chance events."):
        ("De maatschappelijke business case van een Thuisplusflat zoals het dashboard die "
         "berekende: wie betaalt en wie profiteert, uit gepaarde simulaties van één complex "
         "zonder en met de Thuisplusflat, met dezelfde toevalsgebeurtenissen."),
    "setting": "instelling",
    "compared with": "vergeleken met",
    ("option A, the pinned setting (sheet Options A and B); the other sheets are option B, the "
     "setting now"):
        ("optie A, de vastgezette instelling (tabblad Opties A en B); de andere tabbladen zijn "
         "optie B, de huidige instelling"),
    "runs": "runs",
    "uncertain effects": "onzekere effecten",
    "drawn in each run; {k} kept at this setting's value":
        "in elke run getrokken; {k} vastgehouden op de waarde van deze instelling",
    "kept at this setting's values (the runs differ by chance only)":
        "vastgehouden op de waarden van deze instelling (de runs verschillen alleen door toeval)",
    "programme": "programma",
    "{weeks} weeks from {start}; everyone followed {follow} more years":
        "{weeks} weken vanaf {start}; iedereen wordt daarna nog {follow} jaar gevolgd",
    "complex": "complex",
    "{n} dwellings": "{n} woningen",
    "money": "bedragen",
    "€ in constant {prices} prices; present values (PV) discounted to {year}":
        ("€ in constante prijzen, prijspeil {prices}; contante waarden (PV, present value) "
         "verdisconteerd naar {year}"),
    "discounting": "discontering",
    "{rate} a year for euros, {effect} for person-years (scheme {scheme})":
        "{rate} per jaar voor euro's, {effect} voor persoonsjaren (schema {scheme})",
    "written": "gemaakt op",
    "thuisplus version": "versie van thuisplus",
    "numbers": "getallen",
    ("Numbers are stored as numbers: your spreadsheet shows them with its own decimal mark and "
     "thousands separator. An empty cell is a figure that is not defined."):
        ("Getallen zijn als getallen opgeslagen: het spreadsheetprogramma toont ze met zijn "
         "eigen decimaalteken en scheidingsteken voor duizendtallen. Een lege cel is een waarde "
         "die niet gedefinieerd is."),
    ("The numbers above the dashboard's plots: value (a share, euros or clients) and as the page "
     "shows it."):
        ("De kerncijfers boven de figuren van het dashboard: de waarde (een aandeel, euro's of "
         "cliënten) en zoals de pagina die toont."),
    ("Each key figure for option A (pinned) and option B (the setting now) and the difference; "
     "with the same runs, the share of paired runs in which B beats A for society."):
        ("Elk kerncijfer voor optie A (vastgezet) en optie B (de huidige instelling) en het "
         "verschil; bij dezelfde runs ook het aandeel gepaarde runs waarin B beter uitpakt dan A "
         "voor de samenleving."),
    ("One row per run (seed): the uncertainties it drew, if any, society's net present value "
     "(npv), the present values of benefits and costs, and each stakeholder's net (€ PV)."):
        ("Eén rij per run (seed): de getrokken onzekere parameters (als die er zijn), de netto "
         "contante waarde voor de samenleving (npv), de contante waarden van baten en kosten, en "
         "het saldo van elke partij (€ PV)."),
    ("Who pays, who gains: per stakeholder the mean present value of what it pays and gains, its "
     "net and the net's 5-95% range over the runs."):
        ("Wie betaalt, wie profiteert: per partij de gemiddelde contante waarde van wat die "
         "betaalt en ontvangt, het saldo en het bereik van het saldo over de runs (5e tot 95e "
         "percentiel)."),
    ("Every yearly flow per run, stakeholder and item, undiscounted in constant prices; kind: "
     "cost, benefit, transfer in or out, or a non-monetary outcome (unit: person-years)."):
        ("Elke jaarlijkse geldstroom per run, partij en post, niet verdisconteerd, in constante "
         "prijzen; kind: kosten (cost), baten (benefit), overdracht erin of eruit (transfer_in, "
         "transfer_out) of een niet-financiële uitkomst (outcome, eenheid: persoonsjaren)."),
    ("Per run, arm (baseline: without, thuisplus: with the flat) and year: the residents' care "
     "use, costs per law and wellbeing."):
        ("Per run, arm (baseline: zonder, thuisplus: met de flat) en jaar: het zorggebruik van "
         "de bewoners, de kosten per wet en het welzijn."),
    ("Every parameter of the setting: value, model default, whether it is changed (changed ones "
     "first), unit, range, kind, prior, source and description."):
        ("Elke parameter van de instelling: waarde, standaardwaarde van het model, of die is "
         "gewijzigd (gewijzigde eerst), eenheid, bereik, soort, prior, bron en beschrijving."),
    "Thuisplusflat business case: {label}": "Business case Thuisplusflat: {label}",
    # the workbook's sheets (at most 31 characters: Excel's limit)
    "Options A and B": "Opties A en B",
    "Per run": "Per run",
    "Stakeholders": "Partijen",
    "Cash flows": "Geldstromen",
    "Care use": "Zorggebruik",
    "Settings": "Instellingen",
    "Read me": "Lees mij",
    "Sheet": "Tabblad",
    "What it holds": "Wat erin staat",
}
