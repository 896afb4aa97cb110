//! The unit table: symbols, names and SI prefixes, each with its dimension and exact scale.
//!
//! One place lists every unit the STEM verifier reads, so that the documentation
//! (`docs/stem.md`) and the parser cannot drift apart. Scales are exact: `num / den * 10^exp`
//! in SI base units, times `pi^pi` for angles in degrees. Conventional values where a unit has
//! several (thermochemical calorie, Julian year, US gallon, conventional mmHg) are the ones
//! science textbooks use; each is named in the comment beside it.

/// Exponents of the SI base dimensions, in this order, plus the plane angle as an eighth
/// pseudo-dimension (so that degrees and radians convert but an angle is not a ratio).
pub const DIMS: [&str; 8] = ["m", "kg", "s", "A", "K", "mol", "cd", "rad"];

/// One entry: dimension exponents, exact scale `num / den * 10^exp * pi^pi` to SI, whether SI
/// prefixes apply, and a temperature offset kind for the absolute scales.
#[derive(Debug, Clone, Copy)]
pub struct Def {
    pub dim: [i8; 8],
    pub num: i64,
    pub den: i64,
    pub exp: i32,
    pub pi: i8,
    pub prefix: bool,
    pub temp: Temp,
}

/// How a lone temperature unit maps to kelvin (affine scales).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temp {
    /// Not an absolute temperature scale (or kelvin itself: offset 0).
    None,
    /// Degrees Celsius: `K = C + 273.15`.
    Celsius,
    /// Degrees Fahrenheit: `K = (F + 459.67) * 5/9`.
    Fahrenheit,
}

const fn d(dim: [i8; 8], num: i64, den: i64, exp: i32, prefix: bool) -> Def {
    Def {
        dim,
        num,
        den,
        exp,
        pi: 0,
        prefix,
        temp: Temp::None,
    }
}

// Dimension vectors: m kg s A K mol cd rad.
const ONE: [i8; 8] = [0; 8];
const LEN: [i8; 8] = [1, 0, 0, 0, 0, 0, 0, 0];
const MASS: [i8; 8] = [0, 1, 0, 0, 0, 0, 0, 0];
const TIME: [i8; 8] = [0, 0, 1, 0, 0, 0, 0, 0];
const CUR: [i8; 8] = [0, 0, 0, 1, 0, 0, 0, 0];
const TEMP: [i8; 8] = [0, 0, 0, 0, 1, 0, 0, 0];
const AMT: [i8; 8] = [0, 0, 0, 0, 0, 1, 0, 0];
const LUM: [i8; 8] = [0, 0, 0, 0, 0, 0, 1, 0];
const ANGLE: [i8; 8] = [0, 0, 0, 0, 0, 0, 0, 1];
const SOLID: [i8; 8] = [0, 0, 0, 0, 0, 0, 0, 2];
const FREQ: [i8; 8] = [0, 0, -1, 0, 0, 0, 0, 0];
const FORCE: [i8; 8] = [1, 1, -2, 0, 0, 0, 0, 0];
const PRESSURE: [i8; 8] = [-1, 1, -2, 0, 0, 0, 0, 0];
const ENERGY: [i8; 8] = [2, 1, -2, 0, 0, 0, 0, 0];
const POWER: [i8; 8] = [2, 1, -3, 0, 0, 0, 0, 0];
const CHARGE: [i8; 8] = [0, 0, 1, 1, 0, 0, 0, 0];
const VOLT: [i8; 8] = [2, 1, -3, -1, 0, 0, 0, 0];
const OHM: [i8; 8] = [2, 1, -3, -2, 0, 0, 0, 0];
const SIEMENS: [i8; 8] = [-2, -1, 3, 2, 0, 0, 0, 0];
const FARAD: [i8; 8] = [-2, -1, 4, 2, 0, 0, 0, 0];
const HENRY: [i8; 8] = [2, 1, -2, -2, 0, 0, 0, 0];
const TESLA: [i8; 8] = [0, 1, -2, -1, 0, 0, 0, 0];
const WEBER: [i8; 8] = [2, 1, -2, -1, 0, 0, 0, 0];
const DOSE: [i8; 8] = [2, 0, -2, 0, 0, 0, 0, 0];
const VOLUME: [i8; 8] = [3, 0, 0, 0, 0, 0, 0, 0];
const CONC: [i8; 8] = [-3, 0, 0, 0, 0, 1, 0, 0];
const SPEED: [i8; 8] = [1, 0, -1, 0, 0, 0, 0, 0];
const LUMEN: [i8; 8] = [0, 0, 0, 0, 0, 0, 1, 2];
const LUX: [i8; 8] = [-2, 0, 0, 0, 0, 0, 1, 2];

/// Unit symbols, case-sensitive. Looked up before prefixes, so `min`, `mol`, `Pa`, `cd`,
/// `mmHg` are never read as a prefix plus a unit.
pub const SYMBOLS: &[(&str, Def)] = &[
    ("m", d(LEN, 1, 1, 0, true)),
    ("g", d(MASS, 1, 1, -3, true)),
    ("s", d(TIME, 1, 1, 0, true)),
    ("sec", d(TIME, 1, 1, 0, false)),
    ("A", d(CUR, 1, 1, 0, true)),
    ("K", d(TEMP, 1, 1, 0, true)),
    ("mol", d(AMT, 1, 1, 0, true)),
    ("cd", d(LUM, 1, 1, 0, false)),
    ("rad", d(ANGLE, 1, 1, 0, true)),
    ("sr", d(SOLID, 1, 1, 0, false)),
    ("Hz", d(FREQ, 1, 1, 0, true)),
    ("N", d(FORCE, 1, 1, 0, true)),
    ("Pa", d(PRESSURE, 1, 1, 0, true)),
    ("J", d(ENERGY, 1, 1, 0, true)),
    ("W", d(POWER, 1, 1, 0, true)),
    ("C", d(CHARGE, 1, 1, 0, true)),
    ("V", d(VOLT, 1, 1, 0, true)),
    ("Ω", d(OHM, 1, 1, 0, true)),
    ("S", d(SIEMENS, 1, 1, 0, true)),
    ("F", d(FARAD, 1, 1, 0, true)),
    ("H", d(HENRY, 1, 1, 0, true)),
    ("T", d(TESLA, 1, 1, 0, true)),
    ("Wb", d(WEBER, 1, 1, 0, true)),
    ("Bq", d(FREQ, 1, 1, 0, true)),
    ("Gy", d(DOSE, 1, 1, 0, true)),
    ("Sv", d(DOSE, 1, 1, 0, true)),
    ("lm", d(LUMEN, 1, 1, 0, false)),
    ("lx", d(LUX, 1, 1, 0, false)),
    ("L", d(VOLUME, 1, 1, -3, true)),
    ("l", d(VOLUME, 1, 1, -3, true)),
    // Molar concentration: mol/L.
    ("M", d(CONC, 1, 1, 3, true)),
    // Electronvolt (exact since 2019).
    ("eV", d(ENERGY, 1_602_176_634, 1, -28, true)),
    // Standard atmosphere.
    ("atm", d(PRESSURE, 101_325, 1, 0, false)),
    ("bar", d(PRESSURE, 1, 1, 5, true)),
    // Conventional millimetre of mercury.
    ("mmHg", d(PRESSURE, 133_322_387_415, 1, -9, false)),
    // Torr: 1/760 atm.
    ("torr", d(PRESSURE, 101_325, 760, 0, false)),
    ("Torr", d(PRESSURE, 101_325, 760, 0, false)),
    // Pound-force per square inch: 4.4482216152605 N / 0.00064516 m^2.
    ("psi", d(PRESSURE, 44_482_216_152_605, 64_516, -5, false)),
    // Thermochemical calorie; the food Calorie is a kilocalorie.
    ("cal", d(ENERGY, 4184, 1, -3, true)),
    ("Cal", d(ENERGY, 4184, 1, 0, false)),
    ("erg", d(ENERGY, 1, 1, -7, false)),
    ("dyn", d(FORCE, 1, 1, -5, false)),
    // International table Btu.
    ("Btu", d(ENERGY, 105_505_585_262, 1, -8, false)),
    ("min", d(TIME, 60, 1, 0, false)),
    ("h", d(TIME, 3600, 1, 0, false)),
    ("hr", d(TIME, 3600, 1, 0, false)),
    ("day", d(TIME, 86_400, 1, 0, false)),
    // Julian year, 365.25 days (the astronomers' and physicists' year).
    ("yr", d(TIME, 31_557_600, 1, 0, false)),
    ("Å", d(LEN, 1, 1, -10, false)),
    ("in", d(LEN, 254, 1, -4, false)),
    ("ft", d(LEN, 3048, 1, -4, false)),
    ("yd", d(LEN, 9144, 1, -4, false)),
    ("mi", d(LEN, 1_609_344, 1, -3, false)),
    ("mph", d(SPEED, 44_704, 1, -5, false)),
    ("au", d(LEN, 149_597_870_700, 1, 0, false)),
    ("AU", d(LEN, 149_597_870_700, 1, 0, false)),
    ("ly", d(LEN, 9_460_730_472_580_800, 1, 0, false)),
    ("pc", d(LEN, 30_856_775_814_913_673, 1, 0, true)),
    ("lb", d(MASS, 45_359_237, 1, -8, false)),
    ("lbs", d(MASS, 45_359_237, 1, -8, false)),
    ("oz", d(MASS, 28_349_523_125, 1, -12, false)),
    // Dalton / unified atomic mass unit (CODATA 2018).
    ("Da", d(MASS, 166_053_906_660, 1, -38, true)),
    ("u", d(MASS, 166_053_906_660, 1, -38, false)),
    ("amu", d(MASS, 166_053_906_660, 1, -38, false)),
    // US liquid gallon.
    ("gal", d(VOLUME, 3_785_411_784, 1, -12, false)),
    ("Ci", d(FREQ, 37, 1, 9, true)),
    ("rpm", d(FREQ, 1, 60, 0, false)),
    ("%", d(ONE, 1, 100, 0, false)),
    ("ppm", d(ONE, 1, 1, -6, false)),
    ("ppb", d(ONE, 1, 1, -9, false)),
    (
        "°",
        Def {
            dim: ANGLE,
            num: 1,
            den: 180,
            exp: 0,
            pi: 1,
            prefix: false,
            temp: Temp::None,
        },
    ),
    (
        "°C",
        Def {
            dim: TEMP,
            num: 1,
            den: 1,
            exp: 0,
            pi: 0,
            prefix: false,
            temp: Temp::Celsius,
        },
    ),
    (
        "°F",
        Def {
            dim: TEMP,
            num: 5,
            den: 9,
            exp: 0,
            pi: 0,
            prefix: false,
            temp: Temp::Fahrenheit,
        },
    ),
];

/// Unit names (lower case, singular; a plural `s`/`es` is stripped before lookup) and the
/// symbol they stand for. Names take the word prefixes (`kilo`, `milli`, ...) where the
/// symbol takes SI prefixes.
pub const NAMES: &[(&str, &str)] = &[
    ("meter", "m"),
    ("metre", "m"),
    ("gram", "g"),
    ("gramme", "g"),
    ("second", "s"),
    ("ampere", "A"),
    ("amp", "A"),
    ("kelvin", "K"),
    ("mole", "mol"),
    ("candela", "cd"),
    ("radian", "rad"),
    ("steradian", "sr"),
    ("hertz", "Hz"),
    ("newton", "N"),
    ("pascal", "Pa"),
    ("joule", "J"),
    ("watt", "W"),
    ("coulomb", "C"),
    ("volt", "V"),
    ("ohm", "Ω"),
    ("siemen", "S"),
    ("farad", "F"),
    ("henry", "H"),
    ("henrie", "H"),
    ("tesla", "T"),
    ("weber", "Wb"),
    ("becquerel", "Bq"),
    ("gray", "Gy"),
    ("sievert", "Sv"),
    ("lumen", "lm"),
    ("lux", "lx"),
    ("liter", "L"),
    ("litre", "L"),
    ("molar", "M"),
    ("electronvolt", "eV"),
    ("electron-volt", "eV"),
    ("atmosphere", "atm"),
    ("calorie", "cal"),
    ("minute", "min"),
    ("hour", "h"),
    ("day", "day"),
    ("year", "yr"),
    ("angstrom", "Å"),
    ("ångström", "Å"),
    ("inch", "in"),
    ("foot", "ft"),
    ("feet", "ft"),
    ("yard", "yd"),
    ("mile", "mi"),
    ("pound", "lb"),
    ("ounce", "oz"),
    ("dalton", "Da"),
    ("gallon", "gal"),
    ("curie", "Ci"),
    ("percent", "%"),
    ("degree", "°"),
    ("deg", "°"),
    ("celsius", "°C"),
    ("fahrenheit", "°F"),
    ("days", "day"),
    ("hrs", "h"),
    ("mins", "min"),
    ("secs", "s"),
    ("yrs", "yr"),
];

/// SI prefixes as symbols (`µ`, `μ` and `u` are micro) and their powers of ten.
pub const PREFIXES: &[(&str, i32)] = &[
    ("Y", 24),
    ("Z", 21),
    ("E", 18),
    ("P", 15),
    ("T", 12),
    ("G", 9),
    ("M", 6),
    ("k", 3),
    ("h", 2),
    ("da", 1),
    ("d", -1),
    ("c", -2),
    ("m", -3),
    ("µ", -6),
    ("μ", -6),
    ("u", -6),
    ("n", -9),
    ("p", -12),
    ("f", -15),
    ("a", -18),
    ("z", -21),
    ("y", -24),
];

/// SI prefixes as words.
pub const WORD_PREFIXES: &[(&str, i32)] = &[
    ("yotta", 24),
    ("zetta", 21),
    ("exa", 18),
    ("peta", 15),
    ("tera", 12),
    ("giga", 9),
    ("mega", 6),
    ("kilo", 3),
    ("hecto", 2),
    ("deca", 1),
    ("deka", 1),
    ("deci", -1),
    ("centi", -2),
    ("milli", -3),
    ("micro", -6),
    ("nano", -9),
    ("pico", -12),
    ("femto", -15),
    ("atto", -18),
];

/// A symbol's definition.
pub fn symbol(s: &str) -> Option<Def> {
    SYMBOLS.iter().find(|(k, _)| *k == s).map(|(_, d)| *d)
}
