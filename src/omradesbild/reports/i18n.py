"""Swedish and English strings of the static report site (Swedish is the default)."""

from __future__ import annotations

import math
from typing import Literal

Lang = Literal["sv", "en"]

#: The languages the site can be built in.
LANGUAGES: tuple[str, ...] = ("sv", "en")

_STRINGS: dict[str, tuple[str, str]] = {
    # key: (sv, en)
    "site_title": ("Områdesbild", "Area picture"),
    "overview_title": ("Samlad lägesbild", "Overall picture"),
    "overview_intro": (
        "Lägesbild för {n} områden ({level}, {version}) år {period}. Index: {method}.",
        "Picture of {n} areas ({level}, {version}) in {period}. Index: {method}.",
    ),
    "nav_overview": ("Samlad lägesbild", "Overview"),
    "nav_profiles": ("Områdesprofiler", "Area profiles"),
    "maps": ("Kartor", "Maps"),
    "map_index": ("Index per område", "Index by area"),
    "map_indicators": ("Indikatorer per område", "Indicators by area"),
    "map_missing": (
        "Karta saknas: lagret har inga gränser för de här områdena.",
        "No map: the store holds no boundaries for these areas.",
    ),
    "map_missing_area": (
        "Karta saknas: lagret har ingen gräns för området.",
        "No map: the store holds no boundary for this area.",
    ),
    "map_dissolved": (
        "Gränserna är DeSO 2018-områden sammanslagna enligt SCB:s nyckel DeSO–RegSO.",
        "Boundaries are DeSO 2018 areas dissolved by SCB's DeSO–RegSO key.",
    ),
    "ranking": ("Rangordning med osäkerhet", "Ranking with uncertainty"),
    "ranking_note": (
        "Rang 1 = störst utmaningar bland {n} områden i referensfördelningen. Intervallet är "
        "5–95-percentilen av rangen i {draws} Monte Carlo-dragningar (vikter, normalisering "
        "och indikatorernas urvalsfel varieras).",
        "Rank 1 = largest challenges among {n} areas of the reference distribution. The "
        "interval is the 5th–95th percentile of the rank over {draws} Monte-Carlo draws "
        "(weights, normalisation and the indicators' sampling error varied).",
    ),
    "rank": ("Rang", "Rank"),
    "rank_interval": ("Rangintervall (90 %)", "Rank interval (90 %)"),
    "area": ("Område", "Area"),
    "code": ("Kod", "Code"),
    "score": ("Indexvärde", "Index score"),
    "area_type": ("Områdestyp", "Area type"),
    "class_prob": ("Sannolikhet för typen", "Probability of the type"),
    "population": ("Befolkning", "Population"),
    "pop_by_type": ("Befolkning per områdestyp", "Population by area type"),
    "share": ("Andel", "Share"),
    "n_areas": ("Antal områden", "Number of areas"),
    "gaps": ("Skillnader mellan områden", "Gaps between areas"),
    "gaps_note": (
        "Olikhetsindex D = ½ Σ |xᵢ/X − (tᵢ−xᵢ)/(T−X)| (andelen av gruppen som skulle behöva "
        "flytta för en jämn fördelning) och Theils informationsindex H = Σ tᵢ(E − Eᵢ)/(E·T) "
        "med entropin E = −p ln p − (1−p) ln(1−p). 0 = jämn fördelning, 1 = total "
        "åtskillnad. Beräknat på antal personer per område.",
        "Dissimilarity index D = ½ Σ |xᵢ/X − (tᵢ−xᵢ)/(T−X)| (the share of the group that "
        "would have to move for an even distribution) and Theil's information index "
        "H = Σ tᵢ(E − Eᵢ)/(E·T) with entropy E = −p ln p − (1−p) ln(1−p). 0 = even, "
        "1 = complete separation. Computed from counts of persons per area.",
    ),
    "group": ("Grupp", "Group"),
    "dissimilarity": ("Olikhetsindex D", "Dissimilarity D"),
    "theil": ("Theils H", "Theil's H"),
    "group_share": ("Gruppens andel", "Group share"),
    "priority": ("Prioriteringslista", "Priority list"),
    "priority_note": (
        "Områden med störst utmaningar (områdestyp 1–2 eller högst indexvärde) och områden "
        "där en indikator i indexet försämras signifikant över tid.",
        "Areas with the largest challenges (area type 1–2 or highest index score) and areas "
        "where an index indicator is worsening significantly over time.",
    ),
    "reason": ("Skäl", "Reason"),
    "police_types": ("Polisens lista × områdestyp", "Police list × area type"),
    "police_types_note": (
        "Ett område räknas som listat när minst hälften av dess yta (eller befolkning) "
        "ligger inom polisens områden det året; områdestyp från samma eller närmaste år.",
        "An area counts as listed when at least half its surface (or population) lies "
        "inside the Police's areas that year; area type of the same or nearest year.",
    ),
    "police_none": (
        "Polisens lista kan inte läggas över de här områdena (ingen geometri eller nyckel).",
        "The Police's list cannot be overlaid on these areas (no geometry or key).",
    ),
    "year": ("År", "Year"),
    "category": ("Kategori", "Category"),
    "goals": ("Måluppfyllelse", "Goal status"),
    "goals_note": (
        "Exempelmål ({file}); status från linjär framskrivning med 95 % prognosintervall.",
        "Example goals ({file}); status from a linear projection with a 95 % prediction interval.",
    ),
    "goals_none": (
        "Inga mål kunde följas upp med data i lagret.",
        "No goal could be followed up with the data in the store.",
    ),
    "goal": ("Mål", "Goal"),
    "base": ("Basår", "Base"),
    "current": ("Senast", "Latest"),
    "target": ("Mål", "Target"),
    "status": ("Status", "Status"),
    "profile_title": ("Områdesprofil", "Area profile"),
    "headline": ("Nyckeltal jämfört med kommun och riket", "Key figures vs kommun and country"),
    "indicator": ("Indikator", "Indicator"),
    "value": ("Värde", "Value"),
    "ci": ("95 % konfidensintervall", "95 % confidence interval"),
    "kommun": ("Kommun", "Kommun"),
    "country": ("Riket", "Country"),
    "country_note_synthetic": (
        "Riket = summan av alla områden i lagret.",
        "Country = the sum of all areas in the store.",
    ),
    "reliability": ("Tillförlitlighet", "Reliability"),
    "reliable": ("tillförlitlig", "reliable"),
    "unreliable": ("osäker (litet underlag)", "uncertain (small base)"),
    "approximate": ("approximativ", "approximate"),
    "masked": ("dold (röjandekontroll)", "suppressed (disclosure control)"),
    "unit": ("Enhet", "Unit"),
    "trends": ("Utveckling över tid", "Trends over the years"),
    "trend_none": (
        "Endast ett år finns – ingen utveckling kan visas.",
        "Only one year is available – no trend can be shown.",
    ),
    "type_history": ("Områdestyp över tid", "Area type over the years"),
    "police_history": ("Polisens klassning över tid", "Police classification over the years"),
    "police_not_listed": ("inte listat", "not listed"),
    "police_unknown": (
        "Okänt: området kan inte läggas över polisens gränser.",
        "Unknown: the area cannot be overlaid on the Police's boundaries.",
    ),
    "partners": (
        "Partners observationer och insatser",
        "Partners' observations and interventions",
    ),
    "partners_none": ("Inga registrerade.", "None registered."),
    "rank_title": ("Rang och osäkerhet", "Rank and uncertainty"),
    "rank_text": (
        "Rang {rank} av {n} (90 % intervall {low}–{high}). Områdestyp {cls} med sannolikhet "
        "{prob}.",
        "Rank {rank} of {n} (90 % interval {low}–{high}). Area type {cls} with probability {prob}.",
    ),
    "rank_missing": (
        "Inget index: någon indikator saknas för området.",
        "No index: an indicator is missing for the area.",
    ),
    "drivers": ("Vad driver indexet", "What drives the index"),
    "drivers_note": (
        "Bidrag = normaliserat värde × vikt; indexvärdet är summan av bidragen.",
        "Contribution = normalised value × weight; the score is the sum of the contributions.",
    ),
    "contribution": ("Bidrag", "Contribution"),
    "weight": ("Vikt", "Weight"),
    "normalised": ("Normaliserat värde", "Normalised value"),
    "sources": ("Datakällor och metodversioner", "Data sources and method versions"),
    "publisher": ("Utgivare", "Publisher"),
    "table": ("Tabell", "Table"),
    "title": ("Titel", "Title"),
    "licence": ("Licens", "Licence"),
    "method": ("Metod", "Method"),
    "version": ("Version", "Version"),
    "boundary_source": ("Gränser", "Boundaries"),
    "disclosure": ("Röjandekontroll", "Disclosure control"),
    "generated": (
        "Skapad {when} med omradesbild {version}.",
        "Built {when} with omradesbild {version}.",
    ),
    "none": ("–", "–"),
    "in_kommun": ("Kommun {code}", "Kommun {code}"),
    "profiles_list": ("Alla områdesprofiler", "All area profiles"),
    "worsening": ("försämras", "worsening"),
    "improving": ("förbättras", "improving"),
    "per_year": ("per år", "per year"),
    "reason_type": ("områdestyp {cls}", "area type {cls}"),
    "reason_top": ("bland de {pct} % högsta indexvärdena", "among the top {pct} % index scores"),
    "reason_high": ("hög {what} ({value})", "high {what} ({value})"),
    "reason_trend": (
        "{what} {dir} ({slope} {unit} per år)",
        "{what} {dir} ({slope} {unit} per year)",
    ),
    "lang_switch": ("English", "Svenska"),
    "synthetic_warning": (
        "SYNTETISKA DATA – Exempelstad är en påhittad stad.",
        "SYNTHETIC DATA – Exempelstad is an invented city.",
    ),
    "achieved": ("uppnått", "achieved"),
    "not_achieved": ("inte uppnått", "not achieved"),
    "on_track": ("på väg", "on track"),
    "off_track": ("inte på väg", "off track"),
    "insufficient_data": ("för lite data", "insufficient data"),
}

_POLICE: dict[str, tuple[str, str]] = {
    "sarskilt_utsatt": ("särskilt utsatt område", "especially vulnerable area"),
    "utsatt": ("utsatt område", "vulnerable area"),
    "risk": ("riskområde", "risk area"),
    "not_listed": ("inte listat", "not listed"),
}

_GROUPS: dict[str, tuple[str, str]] = {
    "foreign_born": ("Utrikes födda", "Foreign-born"),
    "low_econ_standard": ("Låg ekonomisk standard", "Low economic standard"),
    "foreign_background": ("Utländsk bakgrund", "Foreign background"),
}

_LEVELS: dict[str, tuple[str, str]] = {
    "deso": ("DeSO", "DeSO"),
    "regso": ("RegSO", "RegSO"),
    "district": ("stadsdel", "district"),
    "kommun": ("kommun", "kommun"),
}


def check_lang(lang: str) -> Lang:
    """``lang`` if it is ``"sv"`` or ``"en"``; otherwise a :class:`ConfigError`."""
    from omradesbild.errors import ConfigError

    if lang not in LANGUAGES:
        raise ConfigError(f"language {lang!r} is not supported; choose one of {list(LANGUAGES)}")
    return lang  # type: ignore[return-value]


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def text(key: str, lang: str, **fmt: object) -> str:
    """The string ``key`` in ``lang``, formatted with ``fmt``."""
    s = _pick(_STRINGS[key], lang)
    return s.format(**fmt) if fmt else s


def police_label(category: str, lang: str) -> str:
    """Readable name of a police category (``sarskilt_utsatt`` → "särskilt utsatt område")."""
    pair = _POLICE.get(category)
    return _pick(pair, lang) if pair else category


def group_label(group: str, lang: str) -> str:
    """Readable name of a population group used in the gap measures."""
    pair = _GROUPS.get(group)
    return _pick(pair, lang) if pair else group


def level_label(level: str, lang: str) -> str:
    """Readable name of an area level."""
    pair = _LEVELS.get(level)
    return _pick(pair, lang) if pair else level


class Translator:
    """Bound :func:`text` for one language, for the templates (``t('key')``)."""

    def __init__(self, lang: str) -> None:
        self.lang = check_lang(lang)

    def __call__(self, key: str, **fmt: object) -> str:
        return text(key, self.lang, **fmt)

    def police(self, category: str) -> str:
        return police_label(category, self.lang)

    def group(self, group: str) -> str:
        return group_label(group, self.lang)

    def level(self, level: str) -> str:
        return level_label(level, self.lang)


def fmt_num(x: object, lang: str, decimals: int = 1) -> str:
    """A number for display: ``1 234,5`` in Swedish, ``1,234.5`` in English, ``–`` if none."""
    if x is None:
        return "–"
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return "–"
    s = f"{f:,.{decimals}f}"
    if lang == "sv":
        s = s.replace(",", "\u00a0").replace(".", ",")
    return s
