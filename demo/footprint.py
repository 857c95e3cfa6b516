"""Who the demo is about: the two Midlands Cancer Alliances, their integrated care systems and acute trusts
(public NHS structure, as listed in the Hub's source documents), and the 17 industry partners that expressed
interest. The sources give the partners' number and sectors (pharma, medtech, digital, data), not their names:
the demo's partners are invented companies, so nothing here is said about a real company's products."""
from __future__ import annotations

from dataclasses import dataclass

WEST, EAST = "West Midlands", "East Midlands"
ALLIANCES = {WEST: "West Midlands Cancer Alliance", EAST: "East Midlands Cancer Alliance"}
HUB = "Midlands Cancer Alliances Life Science Hub"

ICSS = {
    WEST: ["Birmingham and Solihull Integrated Care System", "Black Country Integrated Care System",
           "Coventry and Warwickshire Integrated Care System",
           "Herefordshire and Worcestershire Integrated Care System",
           "Shropshire, Telford and Wrekin Integrated Care System",
           "Staffordshire and Stoke-on-Trent Integrated Care System"],
    EAST: ["Derby and Derbyshire Integrated Care System",
           "Leicester, Leicestershire and Rutland Integrated Care System", "Lincolnshire Integrated Care System",
           "Northamptonshire Integrated Care System", "Nottingham and Nottinghamshire Integrated Care System"],
}

TRUSTS = {
    WEST: ["University Hospitals Birmingham NHS Foundation Trust",
           "Birmingham Women's and Children's NHS Foundation Trust",
           "The Royal Orthopaedic Hospital NHS Foundation Trust", "Sandwell and West Birmingham Hospitals NHS Trust",
           "The Dudley Group NHS Foundation Trust", "The Royal Wolverhampton NHS Trust", "Walsall Healthcare NHS Trust",
           "University Hospitals Coventry and Warwickshire NHS Trust",
           "South Warwickshire University NHS Foundation Trust", "George Eliot Hospital NHS Trust",
           "Wye Valley NHS Trust", "Worcestershire Acute Hospitals NHS Trust",
           "The Shrewsbury and Telford Hospital NHS Trust",
           "The Robert Jones and Agnes Hunt Orthopaedic Hospital NHS Foundation Trust",
           "University Hospitals of North Midlands NHS Trust"],
    EAST: ["University Hospitals of Derby and Burton NHS Foundation Trust",
           "Chesterfield Royal Hospital NHS Foundation Trust", "University Hospitals of Leicester NHS Trust",
           "United Lincolnshire Hospitals NHS Trust", "Northampton General Hospital NHS Trust",
           "Kettering General Hospital NHS Foundation Trust", "Nottingham University Hospitals NHS Trust",
           "Sherwood Forest Hospitals NHS Foundation Trust"],
}

# Every NHS body a demo project or person may name.
NHS_BODIES = frozenset([HUB, *ALLIANCES.values(), *ICSS[WEST], *ICSS[EAST], *TRUSTS[WEST], *TRUSTS[EAST]])


@dataclass(frozen=True)
class Partner:
    name: str
    sector: str  # pharma, medtech, digital or data
    offer: str  # what they bring, in a line, as their EoIs would put it


MEDTECH, DATAHEALTH = "Medtech Innovations Ltd", "DataHealth Analytics plc"
BRINDLEY, TRENT = "Brindley Digital Health Ltd", "Trent Valley Diagnostics Ltd"
WREKIN, PEAK, CANNOCK = "Wrekin Pharma UK Ltd", "Peak Pathology Systems Ltd", "Cannock Remote Care Ltd"

PARTNERS = [
    Partner(MEDTECH, "medtech", "diagnostic devices, their software and training for the staff who use them"),
    Partner(DATAHEALTH, "data", "pathway analytics, waiting-list tracking and demand and capacity modelling"),
    Partner(BRINDLEY, "digital", "patient-facing apps and clinician dashboards that connect to trust systems"),
    Partner(TRENT, "medtech", "imaging and dermoscopy equipment with a reporting service"),
    Partner(WREKIN, "pharma", "above-brand support: project management, evaluation funding and nurse training"),
    Partner(PEAK, "digital", "digital pathology workflow and laboratory tracking software"),
    Partner(CANNOCK, "digital", "remote monitoring and symptom reporting for patients at home"),
    Partner("Charnwood Life Sciences Ltd", "pharma", "above-brand funding for service redesign and evaluation"),
    Partner("Severnside Imaging Ltd", "medtech", "mobile imaging units and scheduling for diagnostic centres"),
    Partner("Malvern Data Services Ltd", "data", "linked data sets and outcome analysis under data-sharing rules"),
    Partner("Sherwood Oncology Partners Ltd", "pharma", "specialist nurse support and patient information"),
    Partner("Lickey Hills Genomics Ltd", "data", "genomic test logistics and result tracking"),
    Partner("Fosse Way Health Technologies Ltd", "digital", "referral and triage forms for primary care"),
    Partner("Cotswold Therapeutics UK Ltd", "pharma", "above-brand support for SACT capacity planning"),
    Partner("Offa Clinical Software Ltd", "digital", "MDT meeting preparation and outcome recording software"),
    Partner("Tamworth Endoscopy Solutions Ltd", "medtech", "endoscopy decontamination and list planning support"),
    Partner("Kinver Patient Insights Ltd", "data", "patient-reported outcome collection and analysis"),
]
