//! Word lists: job-title words, labels of labelled values, place names, role mailboxes.

use crate::fields::FieldKind;

/// Words that make a phrase a job title on their own.
const HEADS: &[&str] = &[
    "ceo",
    "cto",
    "cfo",
    "coo",
    "cmo",
    "cio",
    "ciso",
    "cpo",
    "cro",
    "cdo",
    "cso",
    "cco",
    "vp",
    "svp",
    "evp",
    "avp",
    "gm",
    "president",
    "chief",
    "officer",
    "director",
    "head",
    "manager",
    "engineer",
    "developer",
    "designer",
    "architect",
    "scientist",
    "analyst",
    "researcher",
    "founder",
    "co-founder",
    "cofounder",
    "partner",
    "principal",
    "lead",
    "consultant",
    "counsel",
    "attorney",
    "lawyer",
    "editor",
    "writer",
    "journalist",
    "reporter",
    "producer",
    "specialist",
    "coordinator",
    "administrator",
    "recruiter",
    "strategist",
    "advisor",
    "adviser",
    "chair",
    "chairman",
    "chairwoman",
    "chairperson",
    "owner",
    "associate",
    "intern",
    "professor",
    "lecturer",
    "fellow",
    "evangelist",
    "advocate",
    "accountant",
    "controller",
    "treasurer",
    "secretary",
    "physician",
    "nurse",
    "representative",
    "executive",
    "technician",
    "programmer",
    "marketer",
    "librarian",
    "curator",
    "teacher",
    "economist",
    "statistician",
    "auditor",
    "planner",
    "buyer",
    "trader",
    "broker",
    "agent",
    "investor",
    "operator",
    "superintendent",
    "supervisor",
    "steward",
    "photographer",
    "illustrator",
    "maintainer",
    "contributor",
    "chemist",
    "biologist",
    "physicist",
    "geologist",
    "mathematician",
    "pharmacist",
    "chef",
    "cook",
    "pilot",
    "mechanic",
    "electrician",
    "therapist",
    "psychologist",
    "dentist",
    "surgeon",
    "veterinarian",
    "doctor",
    "midwife",
    "translator",
    "instructor",
    "coach",
    "trainer",
    "tutor",
    "paralegal",
    "actuary",
    "underwriter",
    "banker",
    "baker",
    "carpenter",
    "machinist",
    "artist",
    "musician",
    "composer",
    "author",
    "copywriter",
    "ambassador",
    "liaison",
    "commissioner",
    "postdoc",
    "epidemiologist",
    "hygienist",
    "optometrist",
    "radiologist",
    "pathologist",
    "ecologist",
    "archivist",
    "technologist",
    "dietitian",
    "nutritionist",
    "cartographer",
    "surveyor",
    "inspector",
    "correspondent",
    "columnist",
    "presenter",
    "solicitor",
    "barrister",
    "roboticist",
    "investigator",
    "dean",
    "provost",
    "chancellor",
    "rector",
    "registrar",
    "councillor",
    "councilor",
    "mayor",
    "senator",
    "student",
    "sre",
    "devops",
    "ux",
    "ui",
    "pm",
    "cx",
];

/// Words that may stand inside a job title.
const MODIFIERS: &[&str] = &[
    "senior",
    "sr",
    "junior",
    "jr",
    "staff",
    "principal",
    "lead",
    "chief",
    "vice",
    "deputy",
    "assistant",
    "associate",
    "executive",
    "managing",
    "general",
    "global",
    "regional",
    "group",
    "interim",
    "acting",
    "founding",
    "technical",
    "technology",
    "engineering",
    "product",
    "products",
    "sales",
    "marketing",
    "operations",
    "finance",
    "financial",
    "research",
    "development",
    "design",
    "data",
    "people",
    "growth",
    "platform",
    "infrastructure",
    "security",
    "software",
    "hardware",
    "machine",
    "learning",
    "ai",
    "customer",
    "success",
    "support",
    "business",
    "partnerships",
    "communications",
    "content",
    "brand",
    "legal",
    "compliance",
    "risk",
    "strategy",
    "strategic",
    "analytics",
    "science",
    "quality",
    "qa",
    "test",
    "testing",
    "cloud",
    "mobile",
    "web",
    "frontend",
    "front-end",
    "backend",
    "back-end",
    "full-stack",
    "fullstack",
    "full",
    "stack",
    "systems",
    "network",
    "it",
    "information",
    "talent",
    "hr",
    "human",
    "resources",
    "revenue",
    "account",
    "accounts",
    "client",
    "community",
    "developer",
    "relations",
    "devrel",
    "program",
    "project",
    "programs",
    "projects",
    "delivery",
    "supply",
    "chain",
    "logistics",
    "procurement",
    "manufacturing",
    "clinical",
    "medical",
    "editorial",
    "creative",
    "art",
    "visual",
    "interaction",
    "user",
    "experience",
    "ux",
    "ui",
    "field",
    "solutions",
    "solution",
    "enterprise",
    "digital",
    "innovation",
    "applied",
    "site",
    "reliability",
    "embedded",
    "firmware",
    "robotics",
    "mechanical",
    "electrical",
    "hardware",
    "materials",
    "chemical",
    "environmental",
    "policy",
    "public",
    "affairs",
    "investor",
    "treasury",
    "tax",
    "payroll",
    "office",
    "administrative",
    "board",
    "member",
    "of",
    "and",
    "&",
    "for",
    "the",
    "in",
    "to",
    "-",
    "/",
    "co",
    "founder",
    "co-founder",
    "president",
    "vp",
    "head",
    "director",
    "manager",
    "officer",
    "engineer",
    "scientist",
    "designer",
    "developer",
    "architect",
    "analyst",
    "emea",
    "apac",
    "americas",
    "north",
    "america",
    "europe",
    "us",
    "uk",
    "international",
    "devops",
    "ml",
    "nlp",
    "open",
    "source",
    "core",
    "api",
    "apis",
    "payments",
    "fraud",
    "trust",
    "safety",
    "privacy",
    "internal",
    "tools",
    "ops",
    "sre",
    "ii",
    "iii",
    "iv",
    "1",
    "2",
    "3",
    "education",
    "training",
    "learning",
    "health",
    "care",
    "services",
    "service",
    "pricing",
    "economics",
    "editor",
    "at-large",
    "large",
    "advisory",
    "independent",
    "non-executive",
    "nonexecutive",
    "operating",
    "commercial",
    "scientific",
    "investment",
    "sustainability",
    "diversity",
    "inclusion",
    "transformation",
    "communication",
    "marketing",
    "commerce",
    "e-commerce",
    "ecommerce",
    "events",
    "sre",
    "pastry",
    "phd",
    "doctoral",
    "postdoctoral",
    "graduate",
    "undergraduate",
    "visiting",
    "emeritus",
    "emerita",
    "adjunct",
    "teaching",
    "contributing",
    "freelance",
    "county",
    "department",
    "departmental",
    "laboratory",
    "lab",
    "civil",
    "computer",
    "distinguished",
    "honorary",
    "nursing",
    "sous",
    "news",
    "features",
    "physics",
    "chemistry",
    "biology",
    "mathematics",
    "city",
];

/// Words that never belong to a title (they end the title phrase).
const STOPS: &[&str] = &[
    "at", "with", "@", "since", "from", "who", "which", "where", "is", "was", "and",
];

fn clean(word: &str) -> String {
    word.trim_matches(|c: char| !(c.is_alphanumeric() || c == '&' || c == '-' || c == '/'))
        .to_lowercase()
}

/// True when the word alone marks a job title (`CTO`, `Engineer`, `Head`).
pub fn is_title_head(word: &str) -> bool {
    let w = clean(word);
    HEADS.contains(&w.as_str())
        || (w.contains('-')
            && w.split('-').any(|part| HEADS.contains(&part))
            && w.split('-')
                .all(|part| HEADS.contains(&part) || MODIFIERS.contains(&part)))
        || (w.starts_with("vice") && w.len() > 4)
}

/// True when the word may stand inside a job title.
pub fn is_title_word(word: &str) -> bool {
    let w = clean(word);
    if w.is_empty() {
        return word.trim() == "&" || word.trim() == "-" || word.trim() == "/";
    }
    is_title_head(&w) || MODIFIERS.contains(&w.as_str())
}

/// True when a short phrase reads as a job title: at most ten words, a title head among them,
/// no sentence verbs, no email or URL.
pub fn looks_like_title(phrase: &str) -> bool {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    if words.is_empty() || words.len() > 10 {
        return false;
    }
    if phrase.contains('@') || phrase.contains("http") || phrase.contains("www.") {
        return false;
    }
    let verbs = [
        "is", "was", "are", "were", "has", "have", "had", "joined", "joins", "said", "says",
        "will", "works", "worked", "leads", "led", "i", "we", "our", "you", "my", "your",
        "contact", "email", "phone", "follow", "read", "more", "about", "meet", "view", "profile",
        "team", "people", "a", "an",
    ];
    if words.iter().any(|w| verbs.contains(&clean(w).as_str())) {
        return false;
    }
    words.iter().any(|w| is_title_head(w))
}

/// The longest run of title words starting at `words[0]`, trailing connectors trimmed, when
/// it contains a head.
pub fn title_prefix(words: &[&str]) -> Option<usize> {
    let mut end = 0;
    let mut has_head = false;
    let mut free_until = 0;
    for (i, word) in words.iter().enumerate() {
        let w = clean(word);
        // "Chief <anything> Officer" and "Head of <Capitalised words>" are titles whatever
        // the words between.
        if w == "chief"
            && let Some(k) = words
                .iter()
                .skip(i + 1)
                .take(4)
                .position(|n| clean(n) == "officer")
        {
            free_until = i + 1 + k;
        }
        if matches!(w.as_str(), "of" | "for") && i > 0 && clean(words[i - 1]) == "head" {
            let mut k = i + 1;
            while k < words.len()
                && k <= i + 3
                && words[k].chars().next().is_some_and(char::is_uppercase)
                && !STOPS.contains(&clean(words[k]).as_str())
            {
                k += 1;
                if words[k - 1].ends_with([',', '.', ';']) {
                    break;
                }
            }
            free_until = free_until.max(k.saturating_sub(1));
        }
        if i <= free_until && i > 0 && free_until > 0 {
            end = i + 1;
            has_head |= is_title_head(word);
            if word.ends_with([',', ';']) || word.ends_with('.') && !is_abbreviation(word) {
                break;
            }
            continue;
        }
        let joins_more = w == "and" && words.get(i + 1).is_some_and(|n| is_title_word(n));
        if STOPS.contains(&w.as_str()) && !joins_more {
            break;
        }
        if !is_title_word(word) {
            break;
        }
        has_head |= is_title_head(word);
        end = i + 1;
        if word.ends_with(',')
            || word.ends_with(';')
            || word.ends_with('.') && !is_abbreviation(word)
        {
            break;
        }
    }
    while end > 0
        && matches!(
            clean(words[end - 1]).as_str(),
            "of" | "and" | "&" | "for" | "the" | "in" | "to" | "-" | "/" | ""
        )
    {
        end -= 1;
    }
    (has_head && end > 0).then_some(end)
}

fn is_abbreviation(word: &str) -> bool {
    matches!(clean(word).as_str(), "sr" | "jr" | "vp" | "co")
}

/// What the label of a group of people says of each of them: a title when it is a plural one
/// ("PhD students" is "PhD student"), or that they are past members ("Alumni").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupLabel {
    /// Every member holds this title.
    Title(String),
    /// The members have left.
    Former,
}

/// Reads a group's label ([`GroupLabel`]).
///
/// ```
/// use sixtyfour_web::extract::vocab::{group_label, GroupLabel};
///
/// assert_eq!(group_label("PhD students"), Some(GroupLabel::Title("PhD student".into())));
/// assert_eq!(group_label("Alumni"), Some(GroupLabel::Former));
/// assert_eq!(group_label("Faculty"), None);
/// ```
pub fn group_label(label: &str) -> Option<GroupLabel> {
    let label = label.trim().trim_end_matches(':').trim();
    let lower = label.to_lowercase();
    if matches!(
        lower.as_str(),
        "alumni"
            | "alumnae"
            | "alumnus"
            | "alumna"
            | "former members"
            | "past members"
            | "former staff"
            | "past staff"
            | "former students"
            | "graduated"
    ) {
        return Some(GroupLabel::Former);
    }
    let words: Vec<&str> = label.split_whitespace().collect();
    let (last, rest) = words.split_last()?;
    if words.len() > 4 {
        return None;
    }
    let singular = last.strip_suffix('s').filter(|s| s.len() >= 3)?;
    let mut title: Vec<&str> = rest.to_vec();
    title.push(singular);
    let title = title.join(" ");
    (is_title_head(singular) && looks_like_title(&title)).then_some(GroupLabel::Title(title))
}

/// Labels of labelled values (`Email:`, a table header, a definition term) and their meaning.
pub fn label_kind(label: &str) -> Option<FieldKind> {
    let l = crate::normalize::text(label);
    let l = l.trim();
    let kind = match l {
        "email" | "e mail" | "mail" | "email address" | "contact" | "work email"
        | "e mail address" => FieldKind::Email,
        "phone" | "tel" | "telephone" | "mobile" | "phone number" | "cell" | "direct line" => {
            FieldKind::Phone
        }
        "title" | "job title" | "role" | "position" | "current role" | "current position"
        | "job" | "function" | "current title" => FieldKind::Title,
        "company" | "employer" | "organization" | "organisation" | "works at"
        | "current company" | "affiliation" | "firm" => FieldKind::Company,
        "location" | "city" | "based in" | "office" | "based" | "base" | "region" | "home base"
        | "where" | "hometown" | "lives in" | "address" | "postal address" | "mailing address"
        | "office address" => FieldKind::Location,
        "linkedin" | "linkedin profile" | "linkedin url" => FieldKind::Linkedin,
        "github" | "github profile" | "code" => FieldKind::Github,
        "website" | "web" | "homepage" | "home page" | "blog" | "site" | "personal site"
        | "personal website" | "url" => FieldKind::PersonalWebsite,
        "industry" | "sector" => FieldKind::Industry,
        "name" | "full name" | "person" | "speaker" | "member" => FieldKind::Name,
        _ => return None,
    };
    Some(kind)
}

/// Role mailboxes, never a person's address.
pub fn is_role_mailbox(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("").to_lowercase();
    matches!(
        local.as_str(),
        "info"
            | "hello"
            | "contact"
            | "press"
            | "media"
            | "sales"
            | "support"
            | "team"
            | "jobs"
            | "careers"
            | "admin"
            | "office"
            | "marketing"
            | "noreply"
            | "no-reply"
            | "help"
            | "hr"
            | "privacy"
            | "legal"
            | "webmaster"
            | "events"
            | "speakers"
            | "news"
            | "billing"
            | "partners"
            | "enquiries"
            | "inquiries"
            | "hi"
            | "talk"
            | "cfp"
    )
}

/// Countries, US states and major cities, for telling a place from other short text.
const PLACES: &[&str] = &[
    // countries and regions
    "usa",
    "united states",
    "us",
    "canada",
    "mexico",
    "brazil",
    "argentina",
    "chile",
    "colombia",
    "peru",
    "uk",
    "united kingdom",
    "england",
    "scotland",
    "wales",
    "ireland",
    "france",
    "germany",
    "spain",
    "portugal",
    "italy",
    "netherlands",
    "belgium",
    "switzerland",
    "austria",
    "denmark",
    "sweden",
    "norway",
    "finland",
    "iceland",
    "poland",
    "czechia",
    "czech republic",
    "hungary",
    "romania",
    "greece",
    "turkey",
    "israel",
    "egypt",
    "nigeria",
    "kenya",
    "south africa",
    "morocco",
    "india",
    "pakistan",
    "china",
    "japan",
    "korea",
    "south korea",
    "taiwan",
    "singapore",
    "malaysia",
    "indonesia",
    "vietnam",
    "thailand",
    "philippines",
    "australia",
    "new zealand",
    "uae",
    "estonia",
    "latvia",
    "lithuania",
    "ukraine",
    "slovenia",
    "croatia",
    "serbia",
    "bulgaria",
    "luxembourg",
    "ghana",
    // US states
    "california",
    "ca",
    "new york",
    "ny",
    "texas",
    "tx",
    "washington",
    "wa",
    "massachusetts",
    "ma",
    "illinois",
    "il",
    "colorado",
    "co",
    "oregon",
    "or",
    "georgia",
    "ga",
    "florida",
    "fl",
    "north carolina",
    "nc",
    "virginia",
    "va",
    "utah",
    "ut",
    "arizona",
    "az",
    "pennsylvania",
    "pa",
    "minnesota",
    "mn",
    "michigan",
    "mi",
    "ohio",
    "oh",
    "tennessee",
    "tn",
    "maryland",
    "md",
    "new jersey",
    "nj",
    "wisconsin",
    "missouri",
    "indiana",
    "dc",
    "ontario",
    "quebec",
    "british columbia",
    "bavaria",
    "catalonia",
    "ile de france",
    // cities
    "san francisco",
    "new york city",
    "nyc",
    "los angeles",
    "seattle",
    "austin",
    "boston",
    "chicago",
    "denver",
    "portland",
    "atlanta",
    "miami",
    "raleigh",
    "salt lake city",
    "phoenix",
    "philadelphia",
    "pittsburgh",
    "minneapolis",
    "detroit",
    "columbus",
    "nashville",
    "baltimore",
    "san diego",
    "san jose",
    "oakland",
    "palo alto",
    "mountain view",
    "menlo park",
    "sunnyvale",
    "berkeley",
    "brooklyn",
    "cambridge",
    "toronto",
    "vancouver",
    "montreal",
    "ottawa",
    "calgary",
    "mexico city",
    "sao paulo",
    "são paulo",
    "rio de janeiro",
    "buenos aires",
    "santiago",
    "bogota",
    "bogotá",
    "lima",
    "london",
    "manchester",
    "edinburgh",
    "glasgow",
    "bristol",
    "dublin",
    "cork",
    "paris",
    "lyon",
    "marseille",
    "toulouse",
    "berlin",
    "munich",
    "hamburg",
    "frankfurt",
    "cologne",
    "stuttgart",
    "madrid",
    "barcelona",
    "valencia",
    "seville",
    "lisbon",
    "porto",
    "rome",
    "milan",
    "turin",
    "naples",
    "amsterdam",
    "rotterdam",
    "utrecht",
    "the hague",
    "eindhoven",
    "brussels",
    "antwerp",
    "ghent",
    "zurich",
    "zürich",
    "geneva",
    "basel",
    "vienna",
    "copenhagen",
    "aarhus",
    "stockholm",
    "gothenburg",
    "malmo",
    "malmö",
    "oslo",
    "bergen",
    "helsinki",
    "tampere",
    "reykjavik",
    "warsaw",
    "krakow",
    "kraków",
    "wroclaw",
    "prague",
    "brno",
    "budapest",
    "bucharest",
    "athens",
    "istanbul",
    "tel aviv",
    "jerusalem",
    "cairo",
    "lagos",
    "nairobi",
    "cape town",
    "johannesburg",
    "casablanca",
    "bangalore",
    "bengaluru",
    "mumbai",
    "delhi",
    "new delhi",
    "hyderabad",
    "pune",
    "chennai",
    "beijing",
    "shanghai",
    "shenzhen",
    "hong kong",
    "tokyo",
    "osaka",
    "kyoto",
    "seoul",
    "taipei",
    "kuala lumpur",
    "jakarta",
    "hanoi",
    "ho chi minh city",
    "bangkok",
    "manila",
    "sydney",
    "melbourne",
    "brisbane",
    "perth",
    "auckland",
    "wellington",
    "dubai",
    "abu dhabi",
    "tallinn",
    "riga",
    "vilnius",
    "kyiv",
    "kiev",
    "ljubljana",
    "zagreb",
    "belgrade",
    "sofia",
    "luxembourg city",
    "accra",
    "leeds",
    "birmingham",
    "oxford",
    "nice",
    "bordeaux",
    "lille",
    "nantes",
    "leipzig",
    "dresden",
    "dusseldorf",
    "düsseldorf",
    "bilbao",
    "malaga",
    "málaga",
    "florence",
    "bologna",
    "lausanne",
    "graz",
    "salzburg",
    "uppsala",
    "trondheim",
    "espoo",
    "gdansk",
    "gdańsk",
    "poznan",
    "thessaloniki",
    "haifa",
    "st louis",
    "kansas city",
    "san antonio",
    "houston",
    "dallas",
    "las vegas",
    "sacramento",
    "honolulu",
    "anchorage",
    "boulder",
    "ann arbor",
    "madison",
    "durham",
    "charlotte",
    "richmond",
    "new orleans",
    "tampa",
    "orlando",
    // more towns: the UK and Ireland, Europe, the Americas, Asia, Africa, Oceania
    "sheffield",
    "liverpool",
    "newcastle",
    "newcastle upon tyne",
    "nottingham",
    "leicester",
    "cardiff",
    "swansea",
    "belfast",
    "aberdeen",
    "dundee",
    "inverness",
    "southampton",
    "portsmouth",
    "brighton",
    "exeter",
    "plymouth",
    "norwich",
    "coventry",
    "milton keynes",
    "stoke-on-trent",
    "wolverhampton",
    "canterbury",
    "galway",
    "limerick",
    "strasbourg",
    "montpellier",
    "rennes",
    "grenoble",
    "hanover",
    "hannover",
    "nuremberg",
    "bremen",
    "dortmund",
    "bonn",
    "heidelberg",
    "freiburg",
    "mannheim",
    "karlsruhe",
    "munster",
    "münster",
    "zaragoza",
    "granada",
    "alicante",
    "coimbra",
    "braga",
    "genoa",
    "venice",
    "verona",
    "palermo",
    "leiden",
    "groningen",
    "delft",
    "haarlem",
    "tilburg",
    "nijmegen",
    "leuven",
    "liege",
    "liège",
    "bruges",
    "bern",
    "lucerne",
    "innsbruck",
    "linz",
    "odense",
    "aalborg",
    "stavanger",
    "turku",
    "oulu",
    "linkoping",
    "linköping",
    "lodz",
    "łódź",
    "katowice",
    "lublin",
    "ostrava",
    "debrecen",
    "cluj-napoca",
    "timisoara",
    "plovdiv",
    "novi sad",
    "sarajevo",
    "skopje",
    "tirana",
    "valletta",
    "nicosia",
    "limassol",
    "tartu",
    "kaunas",
    "lviv",
    "odesa",
    "kharkiv",
    "quebec city",
    "winnipeg",
    "edmonton",
    "halifax",
    "guadalajara",
    "monterrey",
    "medellin",
    "medellín",
    "quito",
    "montevideo",
    "curitiba",
    "porto alegre",
    "belo horizonte",
    "recife",
    "san juan",
    "cleveland",
    "cincinnati",
    "milwaukee",
    "st paul",
    "omaha",
    "indianapolis",
    "louisville",
    "hartford",
    "new haven",
    "jacksonville",
    "albuquerque",
    "tucson",
    "el paso",
    "fort worth",
    "spokane",
    "tacoma",
    "boise",
    "santa monica",
    "santa clara",
    "bellevue",
    "cupertino",
    "chengdu",
    "hangzhou",
    "guangzhou",
    "wuhan",
    "nanjing",
    "yokohama",
    "nagoya",
    "fukuoka",
    "sapporo",
    "busan",
    "incheon",
    "kaohsiung",
    "cebu",
    "da nang",
    "penang",
    "chiang mai",
    "colombo",
    "dhaka",
    "karachi",
    "lahore",
    "islamabad",
    "kolkata",
    "ahmedabad",
    "kochi",
    "jaipur",
    "kathmandu",
    "doha",
    "riyadh",
    "jeddah",
    "muscat",
    "amman",
    "beirut",
    "addis ababa",
    "kampala",
    "kigali",
    "dar es salaam",
    "lusaka",
    "harare",
    "durban",
    "pretoria",
    "tunis",
    "algiers",
    "dakar",
    "abuja",
    "adelaide",
    "canberra",
    "hobart",
    "christchurch",
];

/// A place as a person would write it: without "Greater" and "Metropolitan Area" around a
/// known city, and without a bracketed note ("Lisbon, Portugal (remote)" is "Lisbon, Portugal").
///
/// ```
/// use sixtyfour_web::extract::vocab::tidy_place;
///
/// assert_eq!(tidy_place("Greater Pittsburgh Region"), "Pittsburgh");
/// assert_eq!(tidy_place("Lisbon, Portugal (remote)"), "Lisbon, Portugal");
/// assert_eq!(tidy_place("Bay Area"), "Bay Area");
/// ```
pub fn tidy_place(text: &str) -> String {
    let mut place = text.trim().to_owned();
    if let Some(open) = place.find('(')
        && open > 0
        && place.trim_end().ends_with(')')
    {
        place = place[..open]
            .trim_end()
            .trim_end_matches(',')
            .trim()
            .to_owned();
    }
    let Some((first, rest)) = place
        .split_once(',')
        .map_or(Some((place.as_str(), "")), Some)
    else {
        return place;
    };
    let mut core = first.trim();
    if let Some(stripped) = core.strip_prefix("Greater ") {
        core = stripped;
    }
    for suffix in [
        " Bay Area",
        " Metropolitan Area",
        " Metro Area",
        " Area",
        " Region",
    ] {
        if let Some(stripped) = core.strip_suffix(suffix) {
            core = stripped;
            break;
        }
    }
    if core != first.trim() && PLACES.contains(&crate::lead::fold(core).as_str()) {
        return if rest.is_empty() {
            core.to_owned()
        } else {
            format!("{core},{rest}")
        };
    }
    place
}

/// True when the text is a place this list knows (any comma part, case-insensitive).
pub fn is_known_place(text: &str) -> bool {
    let known = |part: &str| {
        let p = crate::lead::fold(part.trim());
        let p = p.trim_end_matches('.');
        // "Greater Boston Area", "San Francisco Bay Area", "Lisbon Metropolitan Area"
        let p = p.strip_prefix("greater ").unwrap_or(p);
        let p = [
            " bay area",
            " metropolitan area",
            " metro area",
            " area",
            " region",
            " county",
        ]
        .iter()
        .find_map(|suffix| p.strip_suffix(suffix))
        .unwrap_or(p);
        p.len() > 2 && PLACES.contains(&p)
    };
    if text.split(',').any(known) {
        return true;
    }
    // "Boise, ID": capitalised words and a two-letter state code.
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    parts.len() == 2
        && parts[1].len() == 2
        && parts[1].chars().all(|c| c.is_ascii_uppercase())
        && parts[0]
            .split_whitespace()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase))
        && !parts[0].is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        for (phrase, want) in [
            ("Chief Technology Officer", true),
            ("VP of Engineering", true),
            ("Senior Software Engineer", true),
            ("Co-Founder & CEO", true),
            ("Head of Developer Relations", true),
            ("Acme Robotics", false),
            ("Jane is our engineer", false),
            ("Berlin, Germany", false),
            ("jane@acme.example", false),
            ("Meet the team", false),
        ] {
            assert_eq!(looks_like_title(phrase), want, "{phrase}");
        }
    }

    #[test]
    fn title_prefixes() {
        for (text, want) in [
            ("CTO and Bob Stone CFO", Some("CTO")),
            ("Senior Engineer at Acme", Some("Senior Engineer")),
            (
                "Head of Research and Development at Acme",
                Some("Head of Research and Development"),
            ),
            ("VP, Sales", Some("VP,")),
            ("Acme Robotics", None),
            ("Director of", Some("Director")),
        ] {
            let words: Vec<&str> = text.split_whitespace().collect();
            let got = title_prefix(&words).map(|n| words[..n].join(" "));
            assert_eq!(got.as_deref(), want, "{text}");
        }
    }

    #[test]
    fn labels_and_places() {
        assert_eq!(label_kind("E-mail:"), Some(FieldKind::Email));
        assert_eq!(label_kind("Role"), Some(FieldKind::Title));
        assert_eq!(label_kind("Based in"), Some(FieldKind::Location));
        assert_eq!(label_kind("Favourite food"), None);
        assert!(is_known_place("Lisbon, Portugal"));
        assert!(is_known_place("Austin, TX"));
        assert!(is_known_place("Boise, ID"));
        assert!(is_known_place("San Francisco Bay Area"));
        assert!(is_known_place("Greater Boston Area"));
        assert!(!is_known_place("Acme, CTO"));
        assert!(!is_known_place("Acme Robotics"));
        assert!(is_role_mailbox("info@acme.example"));
        assert!(!is_role_mailbox("jane@acme.example"));
    }
}
