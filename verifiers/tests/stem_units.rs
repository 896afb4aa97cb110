//! Unit tests of `units`: splitting quantities, reading units, converting, refusing.

use num_rational::BigRational;
use rlvr_verifiers::units::{
    convert, convert_f64, parse_decimal, parse_unit, split_quantity, Decimal, Unit,
};

fn q(s: &str) -> (String, Unit) {
    split_quantity(s).unwrap_or_else(|| panic!("{s:?} should split"))
}

fn dec(s: &str) -> Decimal {
    parse_decimal(s).unwrap_or_else(|| panic!("{s:?} should be a decimal"))
}

fn rat(s: &str) -> BigRational {
    dec(s).value()
}

/// Converts `a` (a quantity) into the unit of `b`; the exact value.
fn conv(a: &str, b: &str) -> Option<BigRational> {
    let (na, ua) = q(a);
    let (_, ub) = q(b);
    convert(&dec(&na).value(), &ua, &ub)
}

#[test]
fn splits_the_issue_spellings() {
    for (text, num) in [
        ("5\\text{ cm}", "5"),
        ("5 cm", "5"),
        ("5\\,\\mathrm{cm}", "5"),
        ("50\\text{ mm}", "50"),
        (
            "6.02 \\times 10^{23}\\ \\text{mol}^{-1}",
            "6.02 \\times 10^{23}",
        ),
        ("9.8 m/s^2", "9.8"),
        ("3\\ \\text{kg}\\cdot\\text{m}^2", "3"),
        ("25^\\circ C", "25"),
        ("25^{\\circ}\\text{C}", "25"),
        ("45^\\circ", "45"),
        ("30°", "30"),
        ("12\\%", "12"),
        ("\\text{5 cm}", "5"),
        ("1.2 \\times 10^{-3}\\,\\text{M}", "1.2 \\times 10^{-3}"),
        ("3.0e8 m/s", "3.0e8"),
        ("\\frac{1}{2} \\text{ J}", "\\frac{1}{2}"),
        ("2\\pi \\text{ rad}", "2\\pi"),
        ("8.314 J/(mol K)", "8.314"),
        ("8.314 \\mathrm{J\\,mol^{-1}\\,K^{-1}}", "8.314"),
        ("100 kilometers per hour", "100"),
        ("2.5 \\mu m", "2.5"),
        ("2.5 µm", "2.5"),
        ("0.5 \\mathring{A}", "0.5"),
        ("1.5 Å", "1.5"),
        ("10 \\Omega", "10"),
        ("4.2 kJ/mol", "4.2"),
        ("760 mmHg", "760"),
        ("42", "42"),
        ("$7.5\\ \\mathrm{m\\,s^{-2}}$", "7.5"),
        ("3 square meters", "3"),
        ("1 m s-1", "1"),
    ] {
        let (n, _) = q(text);
        assert_eq!(n, num, "{text}");
    }
}

#[test]
fn refuses_what_is_not_a_quantity() {
    for text in [
        "x + 5",
        "2x",
        "H_2O",
        "the answer",
        "5 apples",
        "\\sin 30",
        "5 cm + 3",
        "",
        "m",
    ] {
        assert!(split_quantity(text).is_none(), "{text:?}");
    }
}

#[test]
fn converts_length_mass_time_energy() {
    assert_eq!(conv("5 cm", "1 mm"), Some(rat("50")));
    assert_eq!(conv("1 km", "1 m"), Some(rat("1000")));
    assert_eq!(conv("1 in", "1 cm"), Some(rat("2.54")));
    assert_eq!(conv("1 h", "1 s"), Some(rat("3600")));
    assert_eq!(conv("2 kJ", "1 J"), Some(rat("2000")));
    assert_eq!(conv("1 eV", "1 J"), Some(rat("1.602176634e-19")));
    assert_eq!(conv("1 atm", "1 kPa"), Some(rat("101.325")));
    assert_eq!(conv("760 torr", "1 atm"), Some(rat("1")));
    assert_eq!(conv("1 kcal", "1 J"), Some(rat("4184")));
    assert_eq!(conv("1 L", "1 cm^3"), Some(rat("1000")));
    assert_eq!(conv("1 mL", "1 cm^3"), Some(rat("1")));
    assert_eq!(conv("36 km/h", "1 m/s"), Some(rat("10")));
    assert_eq!(conv("1 N m", "1 J"), Some(rat("1")));
    assert_eq!(conv("1 kWh", "1 MJ"), Some(rat("3.6")));
    assert_eq!(
        conv("1 \\text{kg}\\cdot\\text{m}^2/\\text{s}^2", "1 J"),
        Some(rat("1"))
    );
    assert_eq!(conv("0.1 M", "1 mol/L"), Some(rat("0.1")));
    assert_eq!(conv("5 mM", "1 M"), Some(rat("0.005")));
    assert_eq!(conv("1 Å", "1 nm"), Some(rat("0.1")));
    assert_eq!(conv("1 µm", "1 nm"), Some(rat("1000")));
    assert_eq!(conv("1 g/cm^3", "1 kg/m^3"), Some(rat("1000")));
    assert_eq!(conv("1 J/(mol K)", "1 J mol^{-1} K^{-1}"), Some(rat("1")));
    assert_eq!(conv("1 J/mol/K", "1 J/(mol K)"), Some(rat("1")));
    assert_eq!(conv("1 J/mol K", "1 J/(mol K)"), Some(rat("1")));
    assert_eq!(conv("2 rad/s", "1 s^{-1}"), Some(rat("2")));
    assert_eq!(conv("60 rpm", "1 Hz"), Some(rat("1")));
    assert_eq!(conv("1 kilometer", "1 m"), Some(rat("1000")));
    assert_eq!(conv("3 feet", "1 in"), Some(rat("36")));
}

#[test]
fn temperature_is_affine_alone_and_a_difference_in_compounds() {
    assert_eq!(conv("25 °C", "1 K"), Some(rat("298.15")));
    assert_eq!(conv("25^\\circ C", "1 K"), Some(rat("298.15")));
    assert_eq!(conv("0 K", "1 °C"), Some(rat("-273.15")));
    assert_eq!(conv("212 °F", "1 °C"), Some(rat("100")));
    assert_eq!(conv("32 °F", "1 K"), Some(rat("273.15")));
    // A temperature inside a compound unit is a difference: J/°C = J/K.
    assert_eq!(conv("4.18 J/(g °C)", "1 J/(g K)"), Some(rat("4.18")));
}

#[test]
fn incompatible_units_do_not_convert() {
    assert_eq!(conv("5 cm", "1 s"), None);
    assert_eq!(conv("5 J", "1 W"), None);
    assert_eq!(conv("30°", "1 \\%"), None);
    assert_eq!(conv("5 kg", "1 N"), None);
    assert_eq!(conv("1 m/s", "1 m/s^2"), None);
}

#[test]
fn degrees_and_radians_convert_through_pi() {
    let (n, deg) = q("180°");
    let (_, rad) = q("1 rad");
    let v = dec(&n).value();
    assert_eq!(convert(&v, &deg, &rad), None, "pi is not exact");
    let r = convert_f64(180.0, &deg, &rad).unwrap();
    assert!((r - std::f64::consts::PI).abs() < 1e-12);
    assert!(deg.compatible(&rad));
}

#[test]
fn decimals_and_significant_figures() {
    for (s, sig, val) in [
        ("6.02 \\times 10^{23}", 3, "602e21"),
        ("6.02e23", 3, "602e21"),
        ("6.02E+23", 3, "602e21"),
        ("6.02 \\cdot 10^{23}", 3, "602e21"),
        ("6.02 x 10^23", 3, "602e21"),
        ("6.02×10²³", 3, "602e21"),
        ("10^{-3}", 1, "1e-3"),
        ("0.050", 2, "5e-2"),
        ("500", 3, "500"),
        ("1{,}000", 4, "1000"),
        ("1,000", 4, "1000"),
        ("1\\,000", 4, "1000"),
        ("-2.50", 3, "-2.5"),
        ("−3.0", 2, "-3"),
        ("1.0e-5", 2, "1e-5"),
    ] {
        let d = dec(s);
        assert_eq!(d.sig_figs(), sig, "{s}");
        assert_eq!(d.value(), rat(val), "{s}");
    }
    for s in ["1,00", "1 2", "x", "1.2.3", "10^{x}", "2\\pi", "1e", "--1"] {
        assert!(parse_decimal(s).is_none(), "{s:?}");
    }
}

#[test]
fn units_read_as_written() {
    for s in [
        "m/s^2",
        "\\text{m/s}^2",
        "\\frac{m}{s^2}",
        "m\\,s^{-2}",
        "m s^-2",
        "m·s⁻²",
        "meters per second squared",
    ] {
        let u = parse_unit(s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(u.dim, [1, 0, -2, 0, 0, 0, 0, 0], "{s}");
    }
    for s in ["foo", "m^{99}", "5", "m +", "(m", "\\sin"] {
        assert!(parse_unit(s).is_none(), "{s:?}");
    }
}

#[test]
fn pathological_inputs_are_bounded() {
    let long = "m".repeat(10_000);
    assert!(parse_unit(&long).is_none());
    let nested = format!("{}m{}", "(".repeat(50), ")".repeat(50));
    assert!(parse_unit(&nested).is_none());
    let frac = "\\frac{".repeat(30);
    assert!(parse_unit(&frac).is_none());
    assert!(split_quantity(&"1".repeat(5000)).is_none());
    assert!(parse_decimal(&"9".repeat(150)).is_none());
    assert!(parse_decimal("1e99999999999").is_none());
}
