"""Swedish and English strings of the web pages (Swedish is the default)."""

from __future__ import annotations

import re
from collections.abc import Callable

TEXT: dict[str, tuple[str, str]] = {
    "app": ("Områdesbild", "Områdesbild"),
    "tagline": (
        "En gemensam, objektiv och jämförbar bild av varje område",
        "A shared, objective and comparable picture of every area",
    ),
    "nav_home": ("Översikt", "Overview"),
    "nav_map": ("Karta", "Map"),
    "nav_compare": ("Jämför", "Compare"),
    "nav_method": ("Metod", "Method"),
    "nav_download": ("Nedladdning", "Downloads"),
    "nav_partners": ("Bidrag", "Contributions"),
    "nav_interventions": ("Insatser", "Interventions"),
    "nav_login": ("Logga in", "Log in"),
    "nav_logout": ("Logga ut", "Log out"),
    "synthetic": (
        "SYNTETISKA DATA – Exempelstad är en påhittad stad. Siffrorna beskriver inga verkliga "
        "områden.",
        "SYNTHETIC DATA – Exempelstad is a made-up city. The figures describe no real areas.",
    ),
    "levels": ("Områdesnivåer i datalagret", "Area levels in the store"),
    "level": ("Nivå", "Level"),
    "version": ("Indelning", "Boundaries"),
    "n_areas": ("Antal områden", "Number of areas"),
    "geometry": ("Med gränser", "With boundaries"),
    "go_area": ("Gå till område (kod)", "Go to area (code)"),
    "go": ("Visa", "Show"),
    "areas_of": ("Områden", "Areas"),
    "indicator": ("Indikator", "Indicator"),
    "period": ("År", "Year"),
    "layer": ("Visa", "Show"),
    "index": ("Index", "Index"),
    "method": ("Metod", "Method"),
    "value": ("Värde", "Value"),
    "ci": ("95 % konfidensintervall", "95 % confidence interval"),
    "kommun": ("Kommun", "Municipality"),
    "country": ("Riket", "Sweden"),
    "flag": ("Tillförlitlighet", "Reliability"),
    "masked": ("dold (röjandekontroll)", "suppressed (disclosure control)"),
    "unreliable": ("osäker", "unreliable"),
    "approximate": ("ungefärlig", "approximate"),
    "reliable": ("tillförlitlig", "reliable"),
    "headline": ("Nyckeltal", "Key figures"),
    "trends": ("Utveckling över tid", "Trends over time"),
    "type_history": ("Områdestyp över tid", "Area type over time"),
    "rank": ("Rang", "Rank"),
    "rank_of": ("av", "of"),
    "rank_interval": ("90 % osäkerhetsintervall för rangen", "90 % uncertainty interval of rank"),
    "score": ("Indexvärde", "Index score"),
    "class": ("Klass", "Class"),
    "prob_class": ("Andel dragningar i samma klass", "Share of draws in the same class"),
    "rank_note": (
        "Rang 1 = störst utmaningar. Intervallet kommer från {draws} Monte Carlo-dragningar "
        "där vikter, normalisering och indikatorernas urvalsfel varieras.",
        "Rank 1 = largest challenges. The interval comes from {draws} Monte Carlo draws that "
        "vary the weights, the normalisation and the indicators' sampling error.",
    ),
    "no_index": ("Indexet kan inte beräknas för området.", "The index cannot be computed."),
    "partner_input": ("Samverkanspartners iakttagelser", "Partners' observations"),
    "partner_none": ("Inga registrerade iakttagelser.", "No observations registered."),
    "partner_unavailable": (
        "Partnermodulen är inte installerad.",
        "The partners module is not installed.",
    ),
    "map_area": ("Området i kommunen", "The area in its municipality"),
    "no_geometry": (
        "Datalagret har inga gränser för den här nivån; värdena visas som tabell.",
        "The store holds no boundaries for this level; the values are shown as a table.",
    ),
    "compare_title": ("Jämför områden", "Compare areas"),
    "compare_help": (
        "Välj 2–4 områden (koder) att jämföra sida vid sida.",
        "Choose 2–4 areas (codes) to compare side by side.",
    ),
    "compare": ("Jämför", "Compare"),
    "method_title": ("Metodutforskaren", "Method explorer"),
    "method_help": (
        "Ändra vikterna eller ta bort indikatorer och se hur rangordning och klasser ändras. "
        "Vikterna skalas om så att de summerar till 1.",
        "Change the weights or leave out indicators and see how ranks and classes change. "
        "Weights are rescaled to sum to 1.",
    ),
    "weights": ("Vikter", "Weights"),
    "include": ("Med", "Include"),
    "draws": ("Monte Carlo-dragningar", "Monte Carlo draws"),
    "recompute": ("Räkna om", "Recompute"),
    "base_rank": ("Rang (metodens vikter)", "Rank (method's weights)"),
    "new_rank": ("Ny rang", "New rank"),
    "change": ("Förändring", "Change"),
    "base_class": ("Klass (metodens)", "Class (method's)"),
    "new_class": ("Ny klass", "New class"),
    "download_title": ("Ladda ned data", "Download data"),
    "download_help": (
        "Alla filer har passerat röjandekontroll. CSV är UTF-8 med komma som fältavgränsare "
        "och punkt som decimaltecken.",
        "Every file has passed disclosure control. CSV is UTF-8 with comma separators and "
        "point decimals.",
    ),
    "dl_indicators": ("Indikatorer", "Indicators"),
    "dl_index": ("Index", "Index"),
    "dl_excel": ("Excel-arbetsbok (indikatorer, index, källor)", "Excel workbook"),
    "api_docs": ("API-dokumentation (OpenAPI)", "API documentation (OpenAPI)"),
    "overview_title": ("Översikt", "Overview"),
    "classes": ("Områden per klass", "Areas per class"),
    "sources": ("Källor", "Sources"),
    "all_areas": ("Alla områden", "All areas"),
    "name": ("Namn", "Name"),
    "code": ("Kod", "Code"),
    "error": ("Fel", "Error"),
    "back": ("Till översikten", "Back to the overview"),
    "show": ("Visa", "Show"),
    "shown_first": ("De {n} första visas.", "The first {n} are shown."),
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **fmt)`` in ``lang``."""
    i = 1 if lang == "en" else 0

    def t(key: str, **fmt: object) -> str:
        pair = TEXT.get(key)
        s = pair[i] if pair else key
        return s.format(**fmt) if fmt else s

    return t


_URL = re.compile(r"https?://")


def no_scheme(text: object) -> str:
    """Text with ``http(s)://`` removed: references are cited, never fetched or linked."""
    return _URL.sub("", str(text or ""))
