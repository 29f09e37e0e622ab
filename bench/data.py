"""
Synthetic, deterministic benchmark data: cities and officer tenures from a seed.

Nothing here is a real person or a real appointment: names are drawn from common given and
family names of each member state (in Latin, Thai, Vietnamese, Khmer, Burmese and Lao script),
cities from common place-name parts. The same seed always gives the same rows, byte for byte,
so two runs of the benchmark measure the same work.

The member states and the 26 founding cities are read from fixtures/founding_2018.json; the
generated cities are added to them, so "2,000 cities" means 26 real ones and 1,974 generated.
"""

import csv
import datetime
import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.utils.text import slugify

ROOT = Path(__file__).resolve().parent.parent
FOUNDING_FIXTURE = ROOT / "fixtures" / "founding_2018.json"

DEFAULT_SEED = 2018

# A founding city and a family name common in the generated data: both always present, so the
# pages that name them have rows to show at every size.
CITY_SLUG = "bangkok"
SEARCH = "Santos"

# The officer import's columns (issue 3's documented spreadsheet format).
OFFICER_COLUMNS = ["name", "designation", "city", "member_state", "role", "start_date", "end_date"]
CSCO = "csco"
NATIONAL_REPRESENTATIVE = "national_representative"

# Share of generated cities per member state (roughly by number of towns, not population).
CITY_WEIGHTS = {
    "ID": 26,
    "PH": 18,
    "VN": 15,
    "TH": 13,
    "MM": 8,
    "MY": 8,
    "KH": 5,
    "LA": 4,
    "BN": 1.5,
    "SG": 1.5,
}

# Place-name parts, romanised (slugs stay ASCII), Vietnamese with its diacritics.
PLACE_PARTS = {
    "ID": (
        "Tanjung Sungai Muara Karang Pasir Batu Gunung Bandar Pangkal Teluk Kota Pulau Tebing "
        "Lubuk Padang Bukit Rantau Air Kuala Labuhan Ujung Tanah Sei Selat",
        "Jaya Raya Makmur Sari Baru Pinang Agung Indah Mulya Asri Harapan Mas Putih Merah Tinggi "
        "Rejo Kencana Permai Lestari Utara Selatan Timur Barat Emas Damai Sejahtera",
    ),
    "PH": (
        "San Santa Santo Puerto Villa Bagong Nueva Ciudad Pueblo Bayan Lungsod Isla Sitio Monte "
        "Rio Baybay Pantay Bato Dalampasigan Lupang",
        "Rosario Isidro Miguel Fernando Jose Vicente Pedro Tomas Juan Carlos Lucia Teresa Rita "
        "Cruz Maria Marcelino Nicolas Rafael Antonio Pablo Lorenzo Domingo Gabriel",
    ),
    "VN": (
        "Bảo Long Tân Phú Hòa Thạnh Bình An Cẩm Vĩnh Quảng Hải Sơn Đông Tây Nam Bắc Mỹ Gia "
        "Thái Phước Trà Cao Hà",
        "Lộc Xuyên Châu Yên Điền Hưng Thuận Khánh Lâm Giang Định Ninh Phong Quang Thành Trung "
        "Lợi Tiến Hiệp Nghĩa Thủy",
    ),
    "TH": (
        "Ban Nakhon Mueang Chiang Si Khon Nong Phra Wang Tha Bang Huai Lam Pak Sam Don Khao "
        "Sakon Kamphaeng Prachin",
        "Kaen Sawan Thani Buri Phanom Rai Mai Thong Khlong Yai Saeng Chai Pattana Kham Lamphun "
        "Sai Luang Krathum Pho Thep Nakhon",
    ),
    "MM": (
        "Myit Taung Kyauk Pyin Shwe Nyaung Thayet Pa Mawla Hin Kyaik Lashio Ye Thanda Mudon "
        "Pyay Bago Magway",
        "kyina gyi myo taw lay oo gon thar pin wun dan nar hta thit kone saung mye zin yoe",
    ),
    "MY": (
        "Kuala Bandar Sungai Kampung Bukit Tanjung Alor Batu Pasir Kota Seri Teluk Padang "
        "Lembah Pulau Simpang Ayer Telok",
        "Lumpur Baru Perdana Jaya Hilir Hulu Puteri Indah Melati Permai Mas Besar Kecil Tengah "
        "Setia Aman Makmur Damai Raja Cempaka",
    ),
    "KH": (
        "Kampong Phum Prey Krong Srae Ta Tuol Chamkar Boeng Kandal Svay Phnum Stueng",
        "Cham Thom Speu Veng Ampil Khmau Chrey Trach Kong Leu Touch Sen Rieng Mean Chey",
    ),
    "LA": (
        "Ban Muang Nong Pak Xieng Don Phon Hat Na Sai",
        "Khong Hong Savan Thong Kham Xai Ngam Sone Vang Phan Noi Luang",
    ),
    "BN": (
        "Kampong Mukim Bandar Pekan Jerudong",
        "Tutong Seria Muara Bangar Lumut Sengkurong Gadong Berakas Kilanas Rimba",
    ),
    "SG": (
        "Bukit Tanjong Pasir Choa Sembawang Kranji Tampines Punggol Serangoon Jurong Yishun",
        "Timah Pagar Ris Chu Kang Hills Park Gardens Vale Heights Central Crescent",
    ),
}


def _words(text):
    return text.split()


# Personal names: (script, given names, family names, order). "family-first" puts the family
# name first, as Khmer and Vietnamese names are written.
NAME_STYLES = {
    "thai": (
        "ประเสริฐ สมชาย สมศักดิ์ วิไล สุดารัตน์ อรุณ กิตติ ณัฐพล ปัทมา ศิริพร ชัยวัฒน์ นภา พิมพ์ชนก ธนพล อนุชา มาลี",
        "ใจดี ศรีสุข วงศ์ไทย แสงทอง บุญมา สุขสวัสดิ์ ทองดี พรหมมา รัตนพันธ์ ศรีวงศ์ เพชรรัตน์ อินทรประเสริฐ",
        "given-first",
    ),
    "thai-latin": (
        "Somchai Somsak Wilai Sudarat Arun Kitti Natthaphon Pattama Siriporn Chaiwat Napha "
        "Thanaphon Anucha Malee",
        "Jaidee Srisuk Wongthai Saengthong Boonma Suksawat Thongdee Phromma Rattanaphan "
        "Sriwong Phetcharat",
        "given-first",
    ),
    "vietnamese": (
        "Văn_An Thị_Bình Hữu_Cường Minh_Dũng Thị_Hà Thị_Hương Ngọc_Lan Thùy_Linh Hoài_Nam "
        "Thanh_Phương Đức_Quân Phương_Thảo Quốc_Trung Anh_Tuấn Hải_Yến Văn_Đức",
        "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý",
        "family-first",
    ),
    "khmer": (
        "សុភា វណ្ណា ដារ៉ា ស្រីពៅ សុខា ចន្ថា វិបុល រតនា",
        "ហេង លី ជា ម៉ម សេង ចាន់ សុខ គឹម",
        "family-first",
    ),
    "khmer-latin": (
        "Sophea Vannak Dara Sreypov Sokha Chantha Vibol Rathana",
        "Heng Ly Chea Mom Seng Chan Sok Kim",
        "family-first",
    ),
    "burmese": (
        "ဦး ဒေါ်",
        "အောင်ကျော် မြင့်သန်း ဝင်းစိုး ခင်နွယ် ဇော်ထွန်း သန်းမြင့် စိုးမိုး နွယ်နီ",
        "given-first",
    ),
    "burmese-latin": (
        "U Daw",
        "Aung_Kyaw Myint_Than Win_Soe Khin_Nwe Zaw_Htun Than_Myint Soe_Moe Nwe_Ni Kyaw_Zin",
        "given-first",
    ),
    "lao": (
        "ສົມພອນ ບຸນມີ ຄຳຫຼ້າ ວັນນະ ສີສະຫວາດ ພອນສະຫວັນ ບົວລີ",
        "ພົມມະຈັນ ສີຫາລາດ ແກ້ວມະນີ ວົງສາ ສຸລິວົງ ອິນທະວົງ",
        "given-first",
    ),
    "lao-latin": (
        "Somphone Bounmy Khamla Vanna Sisavath Phonsavanh Boualy",
        "Phommachanh Sihalath Keomany Vongsa Soulivong Inthavong",
        "given-first",
    ),
    "malay": (
        "Ahmad Siti Nur_Aisyah Muhammad Hafiz Zulkifli Farah Azman Rosnah Haji_Ismail Norhayati "
        "Fadzil",
        "bin_Abdullah binti_Hassan bin_Yusof binti_Osman bin_Ibrahim binti_Rahman bin_Ali "
        "binti_Omar",
        "given-first",
    ),
    "indonesian": (
        "Budi Sri Agus Dewi Joko Wahyu Rina Eko Putri Hendra Ratna Bambang Yuliana Ikhsan",
        "Santoso Wijaya Saputra Hidayat Kusuma Pratama Setiawan Lestari Nugroho Siregar "
        "Wibowo Rahmawati",
        "given-first",
    ),
    "filipino": (
        "Maria Jose Juan Ana Mark Kristine Rodrigo Liza Carlo Angelica Ramon Rowena",
        "Santos Reyes Cruz Bautista Ocampo Garcia Mendoza Dela_Cruz Villanueva Ramos Aquino "
        "Navarro",
        "given-first",
    ),
    "singaporean": (
        "Tan Lim Lee Ng Ong Wong Goh Chua",
        "Wei_Ming Hui_Ling Jun_Jie Kai_Xin Mei_Ling Xin_Yi Zhi_Hao Shu_Fen",
        "family-first",
    ),
}

# Which name styles each member state's officers are drawn from, with weights.
STATE_NAME_STYLES = {
    "BN": {"malay": 1},
    "KH": {"khmer": 1, "khmer-latin": 1},
    "ID": {"indonesian": 1},
    "LA": {"lao": 1, "lao-latin": 1},
    "MY": {"malay": 3, "singaporean": 1},
    "MM": {"burmese": 1, "burmese-latin": 1},
    "PH": {"filipino": 1},
    "SG": {"singaporean": 3, "malay": 1},
    "TH": {"thai": 3, "thai-latin": 1},
    "VN": {"vietnamese": 1},
}

DESIGNATIONS = {
    "default": [
        "Director, {city} Smart City Office",
        "Deputy Mayor of {city}",
        "Head of Digital Transformation, {city} City Council",
        "Chief Information Officer, City of {city}",
        "Secretary, {city} Development Planning Board",
    ],
    "TH": ["รองนายกเทศมนตรีนคร{city}", "Director, {city} Smart City Office"],
    "VN": ["Phó Chủ tịch UBND thành phố {city}", "Giám đốc Sở Thông tin và Truyền thông {city}"],
    "ID": ["Kepala Dinas Komunikasi dan Informatika Kota {city}", "Wakil Wali Kota {city}"],
}
NR_DESIGNATIONS = [
    "Permanent Secretary, Ministry of the Interior",
    "Director-General, Ministry of Information and Communications",
    "Deputy Minister, Ministry of Public Works and Housing",
]

# Tenures run within this window; each city's tenures follow one another.
TENURE_FROM = datetime.date(2018, 4, 1)
TENURE_UNTIL = datetime.date(2025, 12, 31)


@dataclass(frozen=True)
class CityRow:
    name: str
    slug: str
    member_state: str
    latitude: str
    longitude: str
    founding: bool


def founding_registry(fixture=FOUNDING_FIXTURE):
    """The member states (code -> name) and cities of the founding fixture, in fixture order."""
    objects = json.loads(Path(fixture).read_text(encoding="utf-8"))
    states = {}
    cities = []
    for obj in objects:
        fields = obj["fields"]
        if obj["model"] == "registry.memberstate":
            states[fields["code"]] = fields["name"]
        elif obj["model"] == "registry.city":
            cities.append(
                CityRow(
                    name=fields["name"],
                    slug=fields["slug"],
                    member_state=fields["member_state"][0],
                    latitude=str(fields.get("latitude") or ""),
                    longitude=str(fields.get("longitude") or ""),
                    founding=True,
                )
            )
    return states, cities


def generate_cities(total=2000, seed=DEFAULT_SEED):
    """The founding cities plus generated ones up to `total`, each name unique network-wide."""
    states, founding = founding_registry()
    rng = random.Random(f"{seed}:cities")
    wanted = max(total - len(founding), 0)
    weight_sum = sum(CITY_WEIGHTS.values())
    quotas = {code: int(wanted * w / weight_sum) for code, w in CITY_WEIGHTS.items()}
    # Hand the rounding remainder to the largest states, in a fixed order.
    for code in sorted(CITY_WEIGHTS, key=lambda c: -CITY_WEIGHTS[c]):
        if sum(quotas.values()) >= wanted:
            break
        quotas[code] += 1
    taken_names = {c.name.casefold() for c in founding}
    taken_slugs = {c.slug for c in founding}
    cities = list(founding)
    for code in states:
        first, second = (_words(part) for part in PLACE_PARTS[code])
        combos = [f"{a} {b}" if b[0].isupper() else f"{a}{b}" for a in first for b in second]
        rng.shuffle(combos)
        picked = 0
        for number, name in enumerate(_city_names(combos), start=1):
            if picked == quotas[code]:
                break
            if name.casefold() in taken_names:
                continue
            # slugify() drops letters without an ASCII decomposition, such as Đ.
            slug = slugify(name.replace("Đ", "D")) or f"city-{code.lower()}-{number}"
            if slug in taken_slugs:
                slug = f"{slug}-{code.lower()}"
            if slug in taken_slugs:
                continue
            taken_names.add(name.casefold())
            taken_slugs.add(slug)
            # Coordinates inside the rough bounding box of South-East Asia.
            lat = f"{rng.uniform(-9.0, 22.0):.5f}"
            lon = f"{rng.uniform(95.0, 125.0):.5f}"
            cities.append(CityRow(name, slug, code, lat, lon, founding=False))
            picked += 1
    return cities


def _city_names(combos):
    """Every combination once, then numbered districts ("Ban Kaen 2") if more are needed."""
    yield from combos
    for district in range(2, 100):
        for combo in combos:
            yield f"{combo} {district}"


def _name_parts(text):
    return [word.replace("_", " ") for word in text.split()]


# Split once: a million names are drawn for the scale test.
_NAME_PARTS = {
    style: (_name_parts(given), _name_parts(family), order == "family-first")
    for style, (given, family, order) in NAME_STYLES.items()
}
_STATE_STYLES = {
    code: [style for style, weight in styles.items() for _ in range(weight)]
    for code, styles in STATE_NAME_STYLES.items()
}


def _name(rng, code):
    given, family, family_first = _NAME_PARTS[rng.choice(_STATE_STYLES[code])]
    first, last = rng.choice(given), rng.choice(family)
    return f"{last} {first}" if family_first else f"{first} {last}"


_STATE_DESIGNATIONS = {
    code: DESIGNATIONS.get(code, []) + DESIGNATIONS["default"] for code in STATE_NAME_STYLES
}


def _designation(rng, code, city):
    return rng.choice(_STATE_DESIGNATIONS[code]).format(city=city)


def generate_officers(rows, cities, seed=DEFAULT_SEED, national_representatives=None):
    """
    `rows` officer tenures as dicts in OFFICER_COLUMNS order: each city gets a chain of
    consecutive tenures (the last one open), and each member state a few National
    Representatives. Same arguments, same rows.
    """
    rng = random.Random(f"{seed}:officers:{rows}")
    states = sorted({c.member_state for c in cities})
    if national_representatives is None:
        national_representatives = min(len(states) * 3, rows // 100)
    csco_rows = rows - national_representatives
    per_city, extra = divmod(csco_rows, len(cities))
    span = (TENURE_UNTIL - TENURE_FROM).days
    result = []
    for index, city in enumerate(cities):
        count = per_city + (1 if index < extra else 0)
        result.extend(_tenures(rng, count, span, city.member_state, city.name))
    per_state, extra = divmod(national_representatives, len(states))
    for index, code in enumerate(states):
        count = per_state + (1 if index < extra else 0)
        result.extend(_tenures(rng, count, span, code, None))
    return result


def _tenures(rng, count, span, code, city):
    if count == 0:
        return []
    step = max(span // count, 1)
    start = TENURE_FROM + datetime.timedelta(days=rng.randrange(0, max(step // 2, 1)))
    tenures = []
    for number in range(count):
        # Every tenure starts at least one day after the previous one, so (city, name,
        # start_date) is unique even when a name repeats.
        length = max(1, step - rng.randrange(0, max(step // 4, 1)))
        end = start + datetime.timedelta(days=length - 1)
        last = number == count - 1
        tenures.append(
            {
                "name": _name(rng, code),
                "designation": (
                    _designation(rng, code, city) if city else rng.choice(NR_DESIGNATIONS)
                ),
                "city": city or "",
                "member_state": code,
                "role": CSCO if city else NATIONAL_REPRESENTATIVE,
                "start_date": start.isoformat(),
                "end_date": "" if last else end.isoformat(),
            }
        )
        start = start + datetime.timedelta(days=max(length, 1))
    return tenures


def changed(officers):
    """The same tenures with every designation changed: a file of updates, not new rows."""
    return [{**row, "designation": f"{row['designation']} (acting)"} for row in officers]


def write_csv(path, officers):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=OFFICER_COLUMNS)
        writer.writeheader()
        writer.writerows(officers)
    return path


def write_xlsx(path, officers):
    """An XLSX with one sheet, dates as real date cells (as a spreadsheet program saves them)."""
    from openpyxl import Workbook

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("officers")
    sheet.append(OFFICER_COLUMNS)
    date = datetime.date.fromisoformat
    for row in officers:
        values = [row[column] for column in OFFICER_COLUMNS]
        values[5] = date(values[5]) if values[5] else None
        values[6] = date(values[6]) if values[6] else None
        values[2] = values[2] or None
        sheet.append(values)
    workbook.save(path)
    return path
