//! A small deterministic language identifier for `language:response_language`,
//! `change_case:english_capital` and `change_case:english_lowercase`.
//!
//! The reference calls langdetect, which samples n-grams at random (a different answer per
//! run unless seeded), ignores all but the first letter of ALL-CAPS words, and raises on text
//! without letters (which the checkers count as a pass). This identifier is a pure function of
//! the text: it lower-cases first, decides by script (Hangul is Korean, kana is Japanese, Thai
//! is Thai, ...), separates the languages that share a script by their distinctive letters and
//! most frequent words, and returns `None` for text with no letters, which fails the check.
//!
//! It answers with langdetect's codes (`en`, `es`, ..., `zh-cn`), covering IFEval's 30 codes
//! plus the neighbours that must not be mistaken for them (Dutch, Swedish, Danish, Norwegian,
//! Turkish, Romanian, Indonesian, Czech, Hungarian, Catalan, Greek, Chinese, ...).

use super::pystr;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    Devanagari,
    Bengali,
    Gurmukhi,
    Gujarati,
    Tamil,
    Telugu,
    Kannada,
    Malayalam,
    Thai,
    Hangul,
    Kana,
    Han,
    Georgian,
    Armenian,
    Other,
}

const SCRIPTS: [Script; 20] = [
    Script::Latin,
    Script::Cyrillic,
    Script::Greek,
    Script::Arabic,
    Script::Hebrew,
    Script::Devanagari,
    Script::Bengali,
    Script::Gurmukhi,
    Script::Gujarati,
    Script::Tamil,
    Script::Telugu,
    Script::Kannada,
    Script::Malayalam,
    Script::Thai,
    Script::Hangul,
    Script::Kana,
    Script::Han,
    Script::Georgian,
    Script::Armenian,
    Script::Other,
];

fn script(c: char) -> Option<Script> {
    let u = c as u32;
    let s = match u {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
        0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
        0x400..=0x52F => Script::Cyrillic,
        0x590..=0x5FF => Script::Hebrew,
        0x600..=0x6FF | 0x750..=0x77F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
        0x900..=0x97F => Script::Devanagari,
        0x980..=0x9FF => Script::Bengali,
        0xA00..=0xA7F => Script::Gurmukhi,
        0xA80..=0xAFF => Script::Gujarati,
        0xB80..=0xBFF => Script::Tamil,
        0xC00..=0xC7F => Script::Telugu,
        0xC80..=0xCFF => Script::Kannada,
        0xD00..=0xD7F => Script::Malayalam,
        0xE00..=0xE7F => Script::Thai,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => Script::Han,
        0x10A0..=0x10FF => Script::Georgian,
        0x530..=0x58F => Script::Armenian,
        _ if c.is_alphabetic() => Script::Other,
        _ => return None,
    };
    Some(s)
}

/// Frequent words of the Latin-script languages, used to tell them apart.
const LATIN_WORDS: &[(&str, &str)] = &[
    ("en", "the and of to in is that it for was with as on are be this by you not have from or at which but they his her an were we will can has would there their what all been one if more about also"),
    ("es", "el la de que y en los se del las un por con no una para es al lo como más pero sus le ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante"),
    ("pt", "o a de que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso"),
    ("fr", "le la de et les des est un une du en que qui dans pour pas sur au avec ce il ne se plus par sont cette ou mais elle nous vous leur ont été comme aux tout son sa je"),
    ("de", "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über so zum war"),
    ("it", "il di che e la per un in è del non una da sono con gli della le si al dei come alla anche più nel ma lo ha questo delle ci io essere mi suo molto quando"),
    ("pl", "i w na z do nie się to że jest o jak ale po co tak za od jego przez są już może ich dla być tylko ten oraz jako także które który była było czy"),
    ("vi", "và của là có trong các được cho không với những một người này để đã từ khi như về đến ra cũng nhiều theo nhưng thì tôi chúng năm"),
    ("sw", "na ya wa kwa ni za katika la kuwa hii cha pia kama lakini au wake yake hiyo sana watu mtu kwamba baada huo hicho bila ambayo ambao zaidi wakati kila kutoka hadi"),
    ("fi", "ja on ei se että hän oli ovat mutta kun myös ole tai niin joka mitä kuin jo sen hänen vain nyt ovat tämä sekä voi siitä kanssa olla"),
    ("nl", "de het een en van in is dat op te zijn met voor niet die aan er ook als door maar bij om nog wordt dan naar uit over deze heeft"),
    ("sv", "och att det som en på är av för med till den har de inte om ett men var jag sig så kan när från också efter där eller"),
    ("da", "og at det som en på er af for med til den har de ikke om et men var jeg sig så kan når fra også efter der eller være"),
    ("no", "og at det som en på er av for med til den har de ikke om et men var jeg seg så kan når fra også etter der eller være"),
    ("tr", "ve bir bu da de için ile olarak çok daha gibi en ne olan sonra kadar var ama her şey ben o mi ki değil"),
    ("ro", "și de la în a cu pe nu că din este mai un o care sunt pentru au fost ca sau dar acest această lui"),
    ("id", "dan yang di ini itu dengan untuk tidak dari dalam akan pada juga ke ada adalah saya bisa oleh karena mereka atau sudah kami"),
    ("cs", "a je se v na že to s z do jsou jako ale by byl pro jeho které který není jak také jen po od"),
    ("hu", "a az és hogy nem is egy van de meg már csak mint ez el volt azt ki ha vagy még"),
    ("ca", "el la de i que a en els les per amb no una es del al com més però és són va"),
];

/// Letters that point strongly at one Latin-script language.
fn latin_letter_hint(c: char) -> Option<&'static str> {
    Some(match c {
        'ñ' => "es",
        'ã' | 'õ' => "pt",
        'œ' | 'è' | 'ù' | 'û' | 'ë' => "fr",
        'ß' => "de",
        'ą' | 'ę' | 'ł' | 'ń' | 'ś' | 'ź' | 'ż' | 'ć' => "pl",
        'ư' | 'ơ' | 'đ' | '\u{1EA0}'..='\u{1EF9}' => "vi",
        'ş' | 'ğ' | 'ı' => "tr",
        'ț' | 'ș' | 'ă' => "ro",
        'ř' | 'ě' | 'ů' => "cs",
        'ő' | 'ű' => "hu",
        'å' => "sv",
        'ø' | 'æ' => "da",
        _ => return None,
    })
}

/// Word -> bit set of the languages that list it, built once.
fn latin_index() -> &'static HashMap<&'static str, u32> {
    static I: OnceLock<HashMap<&'static str, u32>> = OnceLock::new();
    I.get_or_init(|| {
        let mut m: HashMap<&'static str, u32> = HashMap::new();
        for (i, (_, list)) in LATIN_WORDS.iter().enumerate() {
            for w in list.split(' ') {
                *m.entry(w).or_insert(0) |= 1 << i;
            }
        }
        m
    })
}

fn latin(text: &str) -> &'static str {
    let mut scores = [0f64; 20];
    let index = latin_index();
    for w in text.split(|c: char| !c.is_alphabetic() && c != '\'') {
        if let Some(&bits) = index.get(w) {
            for (i, s) in scores.iter_mut().enumerate() {
                if bits & (1 << i) != 0 {
                    *s += 1.0;
                }
            }
        }
    }
    for c in text.chars() {
        if let Some(code) = latin_letter_hint(c) {
            if let Some(i) = LATIN_WORDS.iter().position(|(k, _)| *k == code) {
                scores[i] += 0.5;
            }
        }
    }
    // Finnish and German vowels with umlauts, Portuguese/French cedilla: weak hints.
    let count = |set: &[char]| text.chars().filter(|c| set.contains(c)).count() as f64;
    scores[1] += 0.3 * count(&['á', 'í', 'ó', 'ú', '¿', '¡']);
    scores[5] += 0.3 * count(&['à', 'ì', 'ò']);
    scores[9] += 0.2 * count(&['ä', 'ö']);
    scores[4] += 0.2 * count(&['ü']);
    let mut best = 0;
    for i in 1..scores.len() {
        if scores[i] > scores[best] {
            best = i;
        }
    }
    if scores[best] == 0.0 {
        // No frequent word and no distinctive letter: too little to tell ("ok", "YES").
        return "und";
    }
    LATIN_WORDS[best].0
}

fn word_hits(text: &str, words: &str) -> usize {
    pystr::split_ws(text)
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic() && !is_mark_like(c)))
        .filter(|w| words.split(' ').any(|s| s == *w))
        .count()
}

fn is_mark_like(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace() && !c.is_ascii_punctuation() && !is_punct(c)
}

fn is_punct(c: char) -> bool {
    matches!(
        c,
        '،' | '؛' | '؟' | '।' | '॥' | '۔' | '“' | '”' | '«' | '»' | '—' | '–'
    )
}

fn arabic(text: &str) -> &'static str {
    let count = |set: &str| text.chars().filter(|c| set.contains(*c)).count();
    let ur = count("ےٹڈڑںھہۓ") * 2 + word_hits(text, "کے میں ہے کی اور کا کو ہیں یہ سے");
    let fa = count("پچژگ") + word_hits(text, "است و در به این را که از با برای می آن یک");
    let ar = count("ةىي") / 2 + word_hits(text, "في من على أن إلى هذا التي الذي عن مع كان");
    if ur >= fa && ur >= ar && ur > 0 {
        "ur"
    } else if fa > ar {
        "fa"
    } else {
        "ar"
    }
}

fn devanagari(text: &str) -> &'static str {
    let hi = word_hits(text, "है हैं के की में से और का को यह था एक पर भी नहीं लिए");
    let mr = word_hits(text, "आहे आणि या हे आहेत ला ते करून मध्ये नाही व त्या की होते");
    let ne = word_hits(text, "छ हो र मा छन् गर्न पनि यो भएको हुन्छ गरेको थियो भने लागि");
    if mr > hi && mr >= ne {
        "mr"
    } else if ne > hi {
        "ne"
    } else {
        "hi"
    }
}

fn cyrillic(text: &str) -> &'static str {
    let count = |set: &str| text.chars().filter(|c| set.contains(*c)).count();
    let uk = count("іїєґ");
    let ru = count("ыэё");
    let bg = count("ъ");
    let mk = count("ќѓјљњџѕ");
    if mk > uk && mk > ru {
        "mk"
    } else if uk > ru {
        "uk"
    } else {
        let ru_words = word_hits(
            text,
            "что это не он она они мы вы как после очень сегодня был была было будет его её который которые если только уже",
        );
        let bg_words = word_hits(
            text,
            "е ще са това които след днес във със към му ги съм си бях беше която който но",
        );
        if ru * 2 + ru_words >= bg * 2 + bg_words && (ru + ru_words) > 0 {
            "ru"
        } else if bg + bg_words > 0 {
            "bg"
        } else {
            "ru"
        }
    }
}

/// The language of `text` as a langdetect code (`und` for Latin-script text with no evidence
/// of any language), or `None` when it has no letters.
pub fn detect(text: &str) -> Option<&'static str> {
    let lower = pystr::lower(text);
    let mut counts = [0usize; 20];
    for c in lower.chars() {
        if let Some(s) = script(c) {
            if let Some(i) = SCRIPTS.iter().position(|x| *x == s) {
                counts[i] += 1;
            }
        }
    }
    let total: usize = counts.iter().sum();
    if total == 0 {
        return None;
    }
    // As langdetect: Latin letters fewer than half of the others are dropped.
    let n_latin = counts[0];
    if n_latin * 2 < total - n_latin {
        counts[0] = 0;
    }
    // Japanese mixes kana with Han; any real share of kana makes it Japanese.
    let kana = counts[15];
    let han = counts[16];
    if kana > 0 && kana * 10 >= han {
        counts[15] += han;
        counts[16] = 0;
    }
    let mut best = 0;
    for i in 1..counts.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    Some(match SCRIPTS[best] {
        Script::Latin => latin(&lower),
        Script::Cyrillic => cyrillic(&lower),
        Script::Greek => "el",
        Script::Arabic => arabic(&lower),
        Script::Hebrew => "he",
        Script::Devanagari => devanagari(&lower),
        Script::Bengali => "bn",
        Script::Gurmukhi => "pa",
        Script::Gujarati => "gu",
        Script::Tamil => "ta",
        Script::Telugu => "te",
        Script::Kannada => "kn",
        Script::Malayalam => "ml",
        Script::Thai => "th",
        Script::Hangul => "ko",
        Script::Kana => "ja",
        Script::Han => "zh-cn",
        Script::Georgian => "ka",
        Script::Armenian => "hy",
        Script::Other => "other",
    })
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn languages() {
        assert_eq!(
            detect("The quick brown fox jumps over the lazy dog."),
            Some("en")
        );
        assert_eq!(
            detect("THIS IS ALL IN CAPITAL LETTERS AND IT IS ENGLISH"),
            Some("en")
        );
        assert_eq!(detect("El perro come la comida en la casa."), Some("es"));
        assert_eq!(
            detect("Le chat est sur la table avec les enfants."),
            Some("fr")
        );
        assert_eq!(
            detect("Der Hund ist in dem Haus und die Katze auch."),
            Some("de")
        );
        assert_eq!(
            detect("Habari yako? Mimi ni mwalimu na ninaishi katika mji wa Nairobi."),
            Some("sw")
        );
        assert_eq!(
            detect("Это очень хорошая книга, и мы её прочитали."),
            Some("ru")
        );
        assert_eq!(
            detect("Це дуже гарна книга, і ми її прочитали."),
            Some("uk")
        );
        assert_eq!(detect("これは日本語の文章です。"), Some("ja"));
        assert_eq!(detect("यह एक अच्छी किताब है और मैं इसे पढ़ रहा हूँ।"), Some("hi"));
        assert_eq!(detect("12345 !!! 😀"), None);
    }
}
