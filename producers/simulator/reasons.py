"""Why people are seen: SNOMED CT reasons by setting, and hospital specialties by condition."""

from __future__ import annotations

from producers.simulator.conditions import Condition

Reason = tuple[str, str]
GP_CHILD: tuple[Reason, ...] = (
    ("54150009", "Upper respiratory infection"),
    ("65363002", "Otitis media"),
    ("386661006", "Fever"),
    ("49727002", "Cough"),
    ("43116000", "Eczema"),
    ("271807003", "Eruption of skin"),
)
GP_ADULT: tuple[Reason, ...] = (
    ("54150009", "Upper respiratory infection"),
    ("279039007", "Low back pain"),
    ("68566005", "Urinary tract infection"),
    ("25064002", "Headache"),
    ("197480006", "Anxiety disorder"),
    ("128045006", "Cellulitis"),
    ("21522001", "Abdominal pain"),
    ("267102003", "Sore throat"),
    ("57676002", "Joint pain"),
    ("84229001", "Fatigue"),
    ("422587007", "Nausea"),
)
EMERGENCY: tuple[Reason, ...] = (
    ("29857009", "Chest pain"),
    ("267036007", "Dyspnoea"),
    ("1912002", "Fall"),
    ("21522001", "Abdominal pain"),
    ("125605004", "Fracture of bone"),
    ("422400008", "Vomiting"),
    ("386661006", "Fever"),
    ("404640003", "Dizziness"),
    ("25064002", "Headache"),
)
ADMISSION: tuple[Reason, ...] = (
    ("233604007", "Pneumonia"),
    ("230690007", "Cerebrovascular accident"),
    ("22298006", "Myocardial infarction"),
    ("5913000", "Fracture of neck of femur"),
    ("84114007", "Heart failure"),
    ("68566005", "Urinary tract infection"),
    ("128045006", "Cellulitis"),
    ("74400008", "Appendicitis"),
    ("91302008", "Sepsis"),
)
CHILD_ADMISSION: tuple[Reason, ...] = (
    ("4120002", "Bronchiolitis"),
    ("25374005", "Gastroenteritis"),
    ("91175000", "Seizure"),
    ("195967001", "Asthma"),
)
BIRTH: Reason = ("3950001", "Birth")
SPECIALTY_FOR: dict[Condition, str] = {
    Condition.TYPE_2_DIABETES: "Diabetes and Endocrinology",
    Condition.HYPERTENSION: "Cardiology",
    Condition.ATRIAL_FIBRILLATION: "Cardiology",
    Condition.COPD: "Respiratory Medicine",
    Condition.ASTHMA: "Respiratory Medicine",
    Condition.CHRONIC_KIDNEY_DISEASE: "Nephrology",
    Condition.DEMENTIA: "Elderly Care",
    Condition.HYPOTHYROIDISM: "Endocrinology",
}
GENERAL_SPECIALTIES = (
    "Trauma and Orthopaedics",
    "General Surgery",
    "Ophthalmology",
    "Dermatology",
    "Ear, Nose and Throat",
    "Urology",
    "Gastroenterology",
)
