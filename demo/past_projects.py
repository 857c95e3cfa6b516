"""Past and active collaborative industry projects recorded by hand in the register, as trusts and ICBs send them
to the Hub (the fields of its register form). Partners are the demo's invented companies."""
from __future__ import annotations

from demo.footprint import CANNOCK, DATAHEALTH, EAST, MEDTECH, PEAK, WEST

PAST_PROJECTS = [
    {"title": "FIT-led triage for suspected colorectal cancer", "partners": MEDTECH,
     "trusts_or_icb": "Nottingham University Hospitals NHS Trust; Nottingham and Nottinghamshire Integrated "
                      "Care System", "tumour_group": "Lower GI (colorectal)",
     "challenge_area": "Early Diagnosis & Screening", "pathway_category": "Referral & Pathway Management",
     "alliance": EAST, "status": "completed", "start_date": "2023-04-01", "end_date": "2024-03-31",
     "outcomes_and_findings": "Urgent referrals with a FIT result below the agreed level were safely managed in "
                              "primary care; colonoscopy demand fell by 18% with no missed cancers at 12 months.",
     "contact": "Lower GI cancer lead, Nottingham University Hospitals"},
    {"title": "Lung health check data linkage", "partners": DATAHEALTH,
     "trusts_or_icb": "University Hospitals of North Midlands NHS Trust; Staffordshire and Stoke-on-Trent "
                      "Integrated Care System", "tumour_group": "Lung",
     "challenge_area": "Early Diagnosis & Screening", "pathway_category": "Diagnostic & Treatment",
     "alliance": WEST, "status": "completed", "start_date": "2022-09-01", "end_date": "2023-12-31",
     "outcomes_and_findings": "Linking lung health check results with hospital records showed 71% of cancers "
                              "found were early stage; the linkage is now part of routine reporting.",
     "contact": "Cancer manager, University Hospitals of North Midlands"},
    {"title": "Digital pathology pilot for prostate biopsies", "partners": PEAK,
     "trusts_or_icb": "University Hospitals Coventry and Warwickshire NHS Trust", "tumour_group": "Urology",
     "challenge_area": "Pathway Delays", "pathway_category": "Diagnostic & Treatment",
     "alliance": WEST, "status": "stopped", "start_date": "2023-06-01", "end_date": "2023-12-15",
     "outcomes_and_findings": "Stopped after six months: the scanners could not be connected to the laboratory "
                              "system without a replacement that was not funded. Lesson: check integration "
                              "before buying equipment.",
     "contact": "Pathology service manager, University Hospitals Coventry and Warwickshire"},
    {"title": "Remote monitoring for patients on oral anti-cancer medicines", "partners": CANNOCK,
     "trusts_or_icb": "University Hospitals of Leicester NHS Trust; Leicester, Leicestershire and Rutland "
                      "Integrated Care System", "tumour_group": "Breast",
     "challenge_area": "Patient Experience & Equitable Access", "pathway_category": "Follow-up",
     "alliance": EAST, "status": "active", "start_date": "2025-05-01", "end_date": "",
     "outcomes_and_findings": "Interim: 240 patients enrolled; weekly check-in completion at 74%.",
     "contact": "Acute oncology lead nurse, University Hospitals of Leicester"},
]
