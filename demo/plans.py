"""The demo projects, one hand-written plan each: what the sponsor proposed, how the Hub defined it, who was
invited and what they offered, the specification, the money from each side, the measures with their baselines
and thresholds, what the pilot found and what was learned. demo.seed turns a plan into the answers each task's
form is given (demo.answers fills only what a plan leaves out). Partners are the invented ones of
demo.footprint; trusts and ICSs are real NHS bodies of the two alliances."""
from __future__ import annotations

from dataclasses import dataclass, field

from demo.footprint import BRINDLEY, CANNOCK, DATAHEALTH, EAST, MEDTECH, PEAK, TRENT, WEST, WREKIN

# Measure: (baseline, threshold, direction, unit). The two standards are the regional baselines from the Hub's
# slides (28-day FDS about 76%, 62-day about 64%); the rest are typical local starting points.
MEASURES = {
    "28-day Faster Diagnosis Standard": (76, 80, "higher_is_better", "%"),
    "62-day treatment standard": (64, 70, "higher_is_better", "%"),
    "2WW utilisation": (82, 92, "higher_is_better", "%"),
    "Median time to MDT": (21, 14, "lower_is_better", "days"),
    "Hand-offs": (9, 5, "lower_is_better", "per patient"),
    "Diagnostic turnaround (pathology)": (10, 7, "lower_is_better", "days"),
    "Diagnostic turnaround (imaging)": (12, 7, "lower_is_better", "days"),
    "Diagnostic turnaround (endoscopy)": (28, 18, "lower_is_better", "days"),
    "SACT chair utilisation / pharmacy release": (71, 85, "higher_is_better", "%"),
    "Theatre list fill": (78, 88, "higher_is_better", "%"),
    "Time from decision to treat": (24, 18, "lower_is_better", "days"),
    "PSFU/PIFU criteria adherence": (55, 80, "higher_is_better", "%"),
    "Remote monitoring coverage": (20, 60, "higher_is_better", "%"),
    "PRO completion": (35, 65, "higher_is_better", "%"),
    "Repeat attendances": (2.4, 1.6, "lower_is_better", "per patient"),
}


@dataclass(frozen=True)
class Offer:
    """One partner's expression of interest."""
    solution: str
    summary: str
    fit: str
    value: int  # GBP the partner would contribute
    # The board's typical view: fit, impact, evidence, delivery, value for money, equity of access (1 to 5).
    scores: tuple[int, int, int, int, int, int]
    note: str  # a board member's comment on it


@dataclass(frozen=True)
class Plan:
    title: str
    alliance: str
    area: str
    category: str
    tumour_groups: list[str]
    trusts: list[str]
    description: str
    unmet_need: str
    evidence: str
    measures: list[str]
    problem: str
    scope: str
    desired: str
    priority: tuple[int, int, int]  # urgency, impact, strategic alignment
    stop_at: str | None  # the task it waits at; None: run to the end
    started_days_ago: int
    pathway: str = "proof_of_value"
    offers: dict[str, Offer] = field(default_factory=dict)  # the EoIs submitted
    invited_only: list[str] = field(default_factory=list)  # invited, not answered yet
    selected: str = ""
    call_brief: str = ""
    objectives: str = ""
    sites: list[str] = field(default_factory=list)
    evaluation: str = ""
    money: tuple[int, int] = (0, 0)  # NHS, industry (GBP)
    resourcing: str = ""
    measured: dict[str, float] = field(default_factory=dict)
    findings: str = ""
    lessons: tuple[str, str, str] = ("", "", "")  # what worked, what did not, recommendations
    rejected_because: str = ""
    scale_funding: int = 0

    @property
    def invited(self) -> list[str]:
        return [*self.offers, *self.invited_only]


PLANS = [
    Plan(
        title="Faster lung cancer referrals from primary care", alliance=WEST, area="Early Diagnosis & Screening",
        category="Referral & Pathway Management", tumour_groups=["Lung"],
        trusts=["The Royal Wolverhampton NHS Trust", "Walsall Healthcare NHS Trust",
                "Black Country Integrated Care System"],
        description="GP practices refer suspected lung cancer on a paper-based form that often arrives without a "
                    "recent chest X-ray. Patients then wait for an X-ray before the straight-to-CT pathway can start.",
        unmet_need="Patients with symptoms wait too long between their GP appointment and a CT scan, and people "
                   "in deprived areas present later.",
        evidence="Local audit of 300 referrals: a third arrived without a chest X-ray result; median 9 days from "
                 "referral to CT. Lung cancer is diagnosed at a later stage in Wolverhampton and Walsall than the "
                 "England average.",
        measures=["28-day Faster Diagnosis Standard", "2WW utilisation", "Hand-offs"],
        problem="Referrals for suspected lung cancer reach secondary care incomplete, adding days before CT.",
        scope="In: GP referral form, X-ray booking from primary care, triage to straight-to-CT. Out: screening.",
        desired="Complete referrals on first submission; CT within 72 hours of referral for eligible patients.",
        priority=(4, 4, 5), stop_at="define_challenge", started_days_ago=3),
    Plan(
        title="AI triage of suspected skin cancer images", alliance=WEST, area="Pathway Delays",
        category="Referral & Pathway Management", tumour_groups=["Skin"],
        trusts=["University Hospitals Birmingham NHS Foundation Trust",
                "Sandwell and West Birmingham Hospitals NHS Trust",
                "Birmingham and Solihull Integrated Care System"],
        description="Urgent skin referrals have doubled in five years. Most turn out to be benign, yet each "
                    "takes a consultant dermatology slot.",
        unmet_need="People with melanoma wait behind many benign lesions for the same urgent appointment.",
        evidence="Two-week-wait skin referrals up 95% since 2019; about 6% lead to a cancer diagnosis; "
                 "dermatology has two consultant vacancies across the two trusts.",
        measures=["2WW utilisation", "28-day Faster Diagnosis Standard", "Repeat attendances"],
        problem="Urgent skin appointments are used up by lesions that could be safely discharged with advice.",
        scope="In: dermoscopic images taken at referral and a triage decision support step. "
              "Out: treatment of confirmed skin cancer.",
        desired="Fewer face-to-face appointments for benign lesions; melanoma seen within the 28-day standard.",
        priority=(4, 5, 4), stop_at="gate1_prioritisation", started_days_ago=20),
    Plan(
        title="Digital pre-assessment before SACT", alliance=EAST, area="Capacity & Workforce Constraints",
        category="Diagnostic & Treatment", tumour_groups=["Breast", "Lower GI (colorectal)", "Haematology"],
        trusts=["University Hospitals of Leicester NHS Trust",
                "Leicester, Leicestershire and Rutland Integrated Care System"],
        description="Every cycle of systemic anti-cancer therapy (SACT) needs a pre-assessment by a nurse or "
                    "pharmacist. Most are routine but all are done by phone or face to face on the day before.",
        unmet_need="Chemotherapy day-unit chairs sit empty in the morning while pharmacy waits for pre-assessment "
                   "sign-off.",
        evidence="Day-unit audit: 29% of chairs idle before 11am; average pharmacy release time 10:40am.",
        measures=["SACT chair utilisation / pharmacy release", "Time from decision to treat"],
        problem="Late pre-assessment delays pharmacy release and leaves SACT chairs idle.",
        scope="In: patients on established regimens at Leicester Royal Infirmary and Glenfield. "
              "Out: first cycles and clinical trials.",
        desired="Pre-assessment done the day before for most patients; prescriptions released before 9am.",
        priority=(4, 4, 4), stop_at="submit_eoi", started_days_ago=30,
        call_brief="We are looking for a digital pre-assessment questionnaire for patients on SACT that flags "
                   "toxicity to the nurse team and connects to the trust's chemotherapy prescribing system.",
        invited_only=[BRINDLEY, DATAHEALTH, CANNOCK, MEDTECH]),  # the call is still open
    Plan(
        title="Remote monitoring after prostate cancer treatment", alliance=WEST,
        area="Patient Experience & Equitable Access", category="Follow-up", tumour_groups=["Urology"],
        trusts=["University Hospitals of North Midlands NHS Trust", "The Shrewsbury and Telford Hospital NHS Trust",
                "Staffordshire and Stoke-on-Trent Integrated Care System"],
        description="Men who have finished prostate cancer treatment attend hospital every six months for a "
                    "PSA result that is usually stable. Many travel over an hour each way.",
        unmet_need="Routine follow-up visits that add nothing clinically, and long journeys for rural patients.",
        evidence="2,400 men on follow-up across the two trusts; 88% of PSA results stable; PSFU used for 41%.",
        measures=["PSFU/PIFU criteria adherence", "Remote monitoring coverage", "Repeat attendances"],
        problem="Stable patients are followed up in clinic instead of remotely, using clinic slots and patients' time.",
        scope="In: men with stable PSA after radical treatment. Out: metastatic disease.",
        desired="Most stable men on supported self-management with remote PSA tracking and a route back in.",
        priority=(3, 4, 4), stop_at="gate2_partner_selection", started_days_ago=40,
        call_brief="A remote PSA monitoring service that tracks results, alerts the team to a rise and lets men "
                   "report symptoms, working with the trusts' patient administration systems.",
        offers={
            CANNOCK: Offer("Remote PSA tracker", "A service that reads PSA results from the laboratory system, "
                           "alerts the uro-oncology team when a result rises and lets men report symptoms online.",
                           "Moves stable men to remote follow-up while keeping a fast route back to the team.",
                           45000, (4, 4, 3, 4, 4, 3), "Good fit; needs a plan for men without internet access."),
            MEDTECH: Offer("Home PSA sampling kit", "Finger-prick sampling kits posted to men at home, analysed "
                           "by the trust laboratory.", "Cuts journeys for blood tests; does not track results.",
                           30000, (3, 3, 3, 3, 3, 4), "Helps rural men; would need pairing with a tracking tool."),
            BRINDLEY: Offer("Follow-up app for urology", "An app giving men their results, care plan and a "
                            "way to ask for an appointment.", "Supports self-management; relies on a smartphone.",
                            38000, (3, 4, 2, 3, 3, 2), "Limited evidence so far; equity concerns."),
        }),
    Plan(
        title="Teledermatology for suspected skin cancer", alliance=EAST, area="Early Diagnosis & Screening",
        category="Referral & Pathway Management", tumour_groups=["Skin"],
        trusts=["United Lincolnshire Hospitals NHS Trust", "Lincolnshire Integrated Care System"],
        description="Lincolnshire is large and rural; patients travel far for a five-minute look at a mole.",
        unmet_need="Slow diagnosis for skin cancer and long journeys for patients whose lesions are benign.",
        evidence="Median 19 days from referral to first dermatology appointment; 40% of patients travel over "
                  "30 miles.",
        measures=["28-day Faster Diagnosis Standard", "2WW utilisation"],
        problem="Face-to-face first appointments for every urgent skin referral in a rural county.",
        scope="In: dermoscopy images taken in community hubs, remote review by consultants. Out: surgery.",
        desired="Most urgent skin referrals reviewed remotely within 5 days; benign lesions discharged.",
        priority=(4, 4, 4), stop_at="draft_specification", started_days_ago=35,
        call_brief="Dermoscopy capture in community hubs in Lincolnshire with images sent for consultant review.",
        offers={
            TRENT: Offer("Community dermoscopy service", "Dermoscopy cameras for four community hubs, training "
                         "for healthcare assistants and image transfer to the trust.", "Brings image capture "
                         "closer to patients' homes.", 52000, (4, 4, 4, 4, 3, 5),
                         "Strong on access for rural patients."),
            MEDTECH: Offer("Lesion imaging kit", "Handheld imaging devices for GP practices.",
                           "Spreads capture across many practices.", 35000, (3, 3, 3, 2, 3, 4),
                           "Training 90 practices looks hard to deliver in the time."),
        },
        selected=TRENT),
    Plan(
        title="Automated MDT preparation", alliance=WEST, area="Multidisciplinary Team Efficiency",
        category="Diagnostic & Treatment", tumour_groups=["Lung", "Upper GI"],
        trusts=["University Hospitals Coventry and Warwickshire NHS Trust",
                "South Warwickshire University NHS Foundation Trust", "George Eliot Hospital NHS Trust",
                "Coventry and Warwickshire Integrated Care System"],
        description="MDT coordinators spend two days a week chasing results and building the case list by hand.",
        unmet_need="Patients are deferred to a later MDT because results were missing on the day.",
        evidence="14% of lung and upper GI cases deferred at least once for missing results; coordinator "
                 "overtime of 6 hours a week.",
        measures=["Median time to MDT", "Hand-offs", "Time from decision to treat"],
        problem="Incomplete MDT packs cause deferrals and delay treatment decisions.",
        scope="In: lung and upper GI MDTs at the three trusts. Out: changes to the MDT's clinical membership.",
        desired="A complete, decision-ready case list for every MDT, compiled automatically.",
        priority=(4, 4, 5), stop_at="gate4_mobilisation_approval", started_days_ago=45,
        call_brief="Software that compiles MDT case lists from pathology, imaging and the patient record, "
                   "checks completeness before the meeting and records outcomes.",
        offers={
            DATAHEALTH: Offer("MDT pack builder", "Compiles each case's results from trust systems into a "
                              "standard pack and flags what is missing three days before the meeting.",
                              "Targets deferrals directly.", 60000, (5, 4, 4, 4, 4, 3),
                              "Clear plan; integration risk manageable."),
            PEAK: Offer("Pathology-to-MDT link", "Sends finalised pathology reports to the MDT list as soon as "
                        "they are authorised.", "Removes one hand-off.", 28000, (3, 3, 4, 4, 3, 3),
                        "Good but only covers pathology."),
            MEDTECH: Offer("MDT results viewer", "Shows each case's imaging and test results side by side on the "
                           "meeting room screen, from the trusts' existing systems.", "Saves time in the meeting "
                           "itself; does not check completeness beforehand.", 32000, (3, 3, 3, 4, 3, 3),
                           "Helpful in the room, but deferrals would remain."),
        },
        selected=DATAHEALTH,
        objectives="Cut deferrals for missing results by half and median time to MDT to 14 days.",
        sites=["University Hospital Coventry", "Warwick Hospital", "George Eliot Hospital"],
        evaluation="Six months before and after, from the MDT database; coordinator time diaries; "
                   "independent review by the Hub's evaluation lead.",
        money=(42000, 60000),
        resourcing="Trust: MDT coordinators, a clinical lead (2 PAs a week), informatics for integration. "
                   "Partner: implementation manager and integration engineer."),
    Plan(
        title="Capsule endoscopy in the community", alliance=EAST, area="Capacity & Workforce Constraints",
        category="Diagnostic & Treatment", tumour_groups=["Lower GI (colorectal)", "Upper GI"],
        trusts=["University Hospitals of Derby and Burton NHS Foundation Trust",
                "Chesterfield Royal Hospital NHS Foundation Trust", "Derby and Derbyshire Integrated Care System"],
        description="Endoscopy waiting lists are long; many patients referred on the urgent pathway could be "
                    "investigated first with colon capsule endoscopy in a community setting.",
        unmet_need="Patients wait weeks for colonoscopy, and endoscopy units have no spare lists.",
        evidence="Median 31 days to endoscopy on the urgent lower GI pathway; 1,100 patients on the waiting list.",
        measures=["Diagnostic turnaround (endoscopy)", "28-day Faster Diagnosis Standard"],
        problem="Endoscopy capacity does not match urgent lower GI demand.",
        scope="In: patients with FIT results in the agreed range. Out: patients needing therapeutic procedures.",
        desired="Capsule endoscopy in community clinics for suitable patients within two weeks of referral.",
        priority=(5, 4, 4), stop_at="report_pilot_outcomes", started_days_ago=80,
        call_brief="Colon capsule endoscopy delivered in community clinics, with reading capacity.",
        offers={
            MEDTECH: Offer("Community capsule service", "Capsule kits, bowel preparation support and reading by "
                           "accredited readers, delivered from two community clinics.", "Adds capacity outside "
                           "the endoscopy units.", 58000, (4, 4, 4, 4, 4, 4), "Well set out; reading capacity "
                           "is the risk."),
            TRENT: Offer("Capsule reading service", "Reading of capsule studies by a remote team.",
                         "Adds reading capacity only.", 25000, (3, 3, 3, 3, 3, 3), "Useful add-on."),
        },
        selected=MEDTECH,
        objectives="Offer capsule endoscopy to 300 suitable patients and reduce endoscopy turnaround to 18 days.",
        sites=["Florence Nightingale Community Hospital", "Walton Hospital, Chesterfield"],
        evaluation="Turnaround and conversion-to-colonoscopy rates from the endoscopy system, patient "
                   "experience survey, cost per completed test.",
        money=(35000, 58000),
        resourcing="Trusts: endoscopy nurses for clinics, gastroenterologist oversight. Partner: kits, "
                   "readers and a service manager."),
    Plan(
        title="Pathology turnaround for colorectal cancer", alliance=WEST, area="Pathway Delays",
        category="Diagnostic & Treatment", tumour_groups=["Lower GI (colorectal)"],
        trusts=["The Dudley Group NHS Foundation Trust", "The Royal Wolverhampton NHS Trust",
                "Walsall Healthcare NHS Trust", "Black Country Integrated Care System"],
        description="Colorectal biopsies are reported across three laboratories with no shared tracking; "
                    "results often reach the MDT late.",
        unmet_need="Treatment decisions wait for histology that is finished but not yet sent on.",
        evidence="Median 10 days from biopsy to authorised report; 20% of cases reach MDT without histology.",
        measures=["Diagnostic turnaround (pathology)", "Median time to MDT"],
        problem="No shared view of colorectal specimens across the Black Country laboratories.",
        scope="In: colorectal biopsies and resections. Out: molecular testing sent to the genomic laboratory.",
        desired="Reports within 7 days and every case ready for its MDT.",
        priority=(4, 4, 4), stop_at="gate5_evidence_gate", started_days_ago=60,
        call_brief="Tracking of colorectal specimens across three laboratories, with alerts for delays.",
        offers={
            PEAK: Offer("Specimen tracker", "Tracks each specimen from endoscopy to report across laboratories "
                        "and warns when an MDT date is at risk.", "Aims straight at turnaround.", 40000,
                        (5, 4, 4, 4, 4, 3), "Best fit; shown working in another network."),
            DATAHEALTH: Offer("Turnaround analytics", "Weekly turnaround reports by laboratory and stage.",
                              "Shows where time goes.", 22000, (3, 3, 3, 4, 3, 3), "Reporting only."),
        },
        selected=PEAK,
        objectives="Cut biopsy-to-report turnaround to 7 days and median time to MDT to 14 days.",
        sites=["Russells Hall Hospital", "New Cross Hospital", "Walsall Manor Hospital"],
        evaluation="Laboratory system data for six months against the year before; MDT completeness audit.",
        money=(30000, 40000),
        resourcing="Trusts: laboratory managers, a consultant histopathologist lead. Partner: software, "
                   "configuration and training.",
        measured={"Diagnostic turnaround (pathology)": 6.5, "Median time to MDT": 13},
        findings="Turnaround fell from 10 to 6.5 days; cases reaching MDT without histology fell from 20% to 4%."),
    Plan(
        title="Scaling a proven endoscopy scheduling tool", alliance=EAST, area="Capacity & Workforce Constraints",
        category="Diagnostic & Treatment", tumour_groups=["Upper GI", "Lower GI (colorectal)"],
        trusts=["Northampton General Hospital NHS Trust", "Kettering General Hospital NHS Foundation Trust",
                "Northamptonshire Integrated Care System"],
        description="A scheduling tool that pools endoscopy lists improved list fill in a neighbouring system. "
                    "Northamptonshire's two trusts want to adopt it.",
        unmet_need="Unfilled endoscopy slots while urgent patients wait.",
        evidence="Endoscopy list fill 78% across the two trusts; the neighbouring system reached 91% with the "
                 "same tool and cut its median wait from 28 to 16 days.",
        measures=["Diagnostic turnaround (endoscopy)", "28-day Faster Diagnosis Standard"],
        problem="Endoscopy lists are booked separately in each trust, leaving slots unused.",
        scope="In: diagnostic endoscopy at both trusts. Out: bowel screening lists.",
        desired="Pooled booking with list fill above 88% and shorter waits.",
        priority=(4, 3, 4), stop_at="gate6_dmbc", started_days_ago=30, pathway="scale_proven",
        call_brief="Roll-out of a proven pooled endoscopy scheduling tool to both Northamptonshire trusts.",
        offers={
            DATAHEALTH: Offer("Pooled endoscopy scheduler", "Pools the two trusts' endoscopy lists and "
                              "suggests bookings by urgency and travel.", "Already proven in a neighbouring "
                              "system.", 48000, (5, 4, 5, 4, 4, 3), "Evidence strong."),
            BRINDLEY: Offer("Booking app", "A patient booking app for endoscopy slots.",
                            "Helps patients choose a slot.", 20000, (3, 3, 2, 3, 3, 2), "Partial answer."),
        },
        selected=DATAHEALTH,
        objectives="Roll the scheduler out to both trusts' endoscopy units within four months.",
        sites=["Northampton General Hospital", "Kettering General Hospital"],
        evaluation="List fill and waiting times from the endoscopy systems, monthly for a year.",
        money=(38000, 48000), scale_funding=160000,
        resourcing="Trusts: endoscopy managers, booking teams. Partner: configuration, training and support."),
    Plan(
        title="Remote symptom monitoring during chemotherapy", alliance=WEST,
        area="Patient Experience & Equitable Access", category="Follow-up",
        tumour_groups=["Breast", "Lung", "Lower GI (colorectal)"],
        trusts=["Worcestershire Acute Hospitals NHS Trust", "Wye Valley NHS Trust",
                "Herefordshire and Worcestershire Integrated Care System"],
        description="Patients on chemotherapy phone the acute oncology hotline or attend A&E when symptoms "
                    "worsen; problems are often found late.",
        unmet_need="Toxicity picked up late, and unplanned admissions for patients far from the cancer centre.",
        evidence="380 unplanned attendances a year among SACT patients; half of hotline calls out of hours.",
        measures=["Remote monitoring coverage", "Repeat attendances", "PRO completion"],
        problem="No routine way for patients on SACT to report symptoms between cycles.",
        scope="In: adults on SACT at Worcestershire Oncology Centre and Hereford County Hospital. "
              "Out: patients in clinical trials.",
        desired="Most patients report symptoms weekly; fewer unplanned attendances.",
        priority=(4, 5, 4), stop_at="submit_kpi_return", started_days_ago=140,
        call_brief="Remote symptom reporting for patients on SACT, with alerts to the acute oncology team.",
        offers={
            CANNOCK: Offer("Symptom check-in", "Weekly symptom questions by app, phone or text, with alerts "
                           "graded for the acute oncology team.", "Gives every patient a way to report, "
                           "including by phone.", 55000, (5, 5, 4, 4, 4, 5), "Strong on equity."),
            WREKIN: Offer("Above-brand evaluation support", "Funding for an independent evaluation and "
                          "nurse training, with no product involved.", "Supports whichever tool is chosen.",
                          30000, (3, 3, 3, 4, 4, 3), "Useful but not a solution on its own."),
        },
        selected=CANNOCK,
        objectives="Offer remote symptom monitoring to 60% of SACT patients and cut repeat attendances.",
        sites=["Worcestershire Royal Hospital", "Hereford County Hospital"],
        evaluation="Coverage and completion from the tool, attendances from the trust record; a patient "
                   "survey at three months.",
        money=(40000, 55000), scale_funding=210000,
        resourcing="Trusts: acute oncology nurses, a lead oncologist. Partner: the service, training and support.",
        measured={"Remote monitoring coverage": 64, "Repeat attendances": 1.5, "PRO completion": 71},
        findings="64% of patients used the service; unplanned attendances fell by a third; 71% completed weekly "
                 "check-ins, including many by phone."),
    Plan(
        title="PIFU for breast cancer follow-up", alliance=EAST, area="Patient Experience & Equitable Access",
        category="Follow-up", tumour_groups=["Breast"],
        trusts=["Nottingham University Hospitals NHS Trust", "Sherwood Forest Hospitals NHS Foundation Trust",
                "Nottingham and Nottinghamshire Integrated Care System"],
        description="Women who have finished breast cancer treatment are seen yearly in clinic although most "
                    "would prefer to get in touch when they need to.",
        unmet_need="Clinic time used for routine reviews; women's worries not picked up between appointments.",
        evidence="PIFU used for 38% of eligible women; clinic capacity short by 120 slots a month.",
        measures=["PSFU/PIFU criteria adherence", "PRO completion", "Repeat attendances"],
        problem="Patient-initiated follow-up is offered inconsistently after breast cancer treatment.",
        scope="In: women five years or less after primary treatment. Out: metastatic disease.",
        desired="PIFU for all eligible women, with a clear route back and regular patient-reported outcomes.",
        priority=(3, 4, 5), stop_at=None, started_days_ago=190,
        call_brief="A PIFU support tool: eligibility checks, results tracking, patient-reported outcomes.",
        offers={
            BRINDLEY: Offer("PIFU companion", "An app and web service giving women their care plan, "
                            "surveillance mammogram dates and a way to ask for an appointment.",
                            "Makes PIFU easy to offer and follow.", 42000, (4, 4, 4, 4, 4, 4),
                            "Balanced proposal."),
            CANNOCK: Offer("Remote follow-up", "Remote questionnaires with alerts to the breast care nurses.",
                           "Supports remote review.", 36000, (4, 3, 3, 4, 3, 4), "Good, less complete."),
        },
        selected=BRINDLEY,
        objectives="Offer PIFU to every eligible woman and collect patient-reported outcomes every six months.",
        sites=["Nottingham City Hospital", "King's Mill Hospital"],
        evaluation="Adherence to PIFU criteria from clinic records; PRO completion; attendances.",
        money=(36000, 42000), scale_funding=120000,
        resourcing="Trusts: breast care nurses, a consultant lead. Partner: the tool and training.",
        measured={"PSFU/PIFU criteria adherence": 86, "PRO completion": 68, "Repeat attendances": 1.4},
        findings="86% of eligible women on PIFU; PRO completion 68%; routine attendances down by 40%.",
        lessons=("Breast care nurses led the change; women liked choosing how to get in touch.",
                 "Linking mammogram recall to the tool took three months longer than planned.",
                 "Agree the data flows with the laboratory and imaging teams before the pilot starts.")),
    Plan(
        title="Genomic test ordering portal", alliance=WEST, area="Early Diagnosis & Screening",
        category="Diagnostic & Treatment", tumour_groups=["All tumour groups"],
        trusts=["Birmingham Women's and Children's NHS Foundation Trust",
                "University Hospitals Birmingham NHS Foundation Trust"],
        description="Clinicians order genomic tests for cancer on paper forms; samples are delayed when a "
                    "form is incomplete.",
        unmet_need="Delays to targeted treatment while tests are re-requested.",
        evidence="12% of requests returned for missing information in a three-month audit.",
        measures=["Time from decision to treat"],
        problem="Paper ordering of genomic tests causes rework and delay.",
        scope="In: cancer genomic test requests. Out: rare disease testing.",
        desired="Complete electronic requests and faster results.",
        priority=(3, 3, 2), stop_at=None, started_days_ago=15,
        rejected_because="The national Genomic Medicine Service is introducing its own electronic test ordering; "
                         "a local portal would duplicate it. Revisit if the national route is delayed.",
        lessons=("The audit of returned requests was quick to do and useful.",
                 "We did not check national plans before proposing.",
                 "Check national programmes first; share the audit with the genomic laboratory hub.")),
]
