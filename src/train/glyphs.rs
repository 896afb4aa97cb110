//! A 3x5 pixel font for the plot's titles and numbers, so the PNG carries labels without
//! plotters' font rendering (which needs system font libraries). Lowercase letters, digits
//! and a few signs; anything else draws as a blank.

/// Rows of a glyph, top to bottom; bit 2 is the left column.
fn glyph(c: char) -> [u8; 5] {
    match c {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 3, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 2, 2, 2],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        '.' => [0, 0, 0, 0, 2],
        '-' => [0, 0, 7, 0, 0],
        '+' => [0, 2, 7, 2, 0],
        '_' => [0, 0, 0, 0, 7],
        ':' => [0, 2, 0, 2, 0],
        '/' => [1, 1, 2, 4, 4],
        '(' => [2, 4, 4, 4, 2],
        ')' => [2, 1, 1, 1, 2],
        'a' => [0, 6, 1, 7, 7],
        'b' => [4, 4, 7, 5, 7],
        'c' => [0, 7, 4, 4, 7],
        'd' => [1, 1, 7, 5, 7],
        'e' => [0, 7, 7, 4, 7],
        'f' => [3, 4, 6, 4, 4],
        'g' => [0, 7, 5, 3, 6],
        'h' => [4, 4, 7, 5, 5],
        'i' => [2, 0, 2, 2, 2],
        'j' => [1, 0, 1, 5, 7],
        'k' => [4, 5, 6, 6, 5],
        'l' => [6, 2, 2, 2, 7],
        'm' => [0, 7, 7, 5, 5],
        'n' => [0, 6, 5, 5, 5],
        'o' => [0, 7, 5, 5, 7],
        'p' => [0, 7, 5, 7, 4],
        'q' => [0, 7, 5, 7, 1],
        'r' => [0, 7, 4, 4, 4],
        's' => [0, 3, 6, 1, 6],
        't' => [2, 7, 2, 2, 3],
        'u' => [0, 5, 5, 5, 7],
        'v' => [0, 5, 5, 5, 2],
        'w' => [0, 5, 5, 7, 7],
        'x' => [0, 5, 2, 2, 5],
        'y' => [0, 5, 7, 1, 7],
        'z' => [0, 7, 1, 4, 7],
        _ => [0; 5],
    }
}

/// The pixels (x, y) to fill to write `text` at (x0, y0) with each font dot `scale` pixels wide.
pub fn pixels(text: &str, x0: i32, y0: i32, scale: i32) -> Vec<(i32, i32, i32, i32)> {
    let mut out = Vec::new();
    for (i, c) in text.chars().enumerate() {
        let rows = glyph(c.to_ascii_lowercase());
        let gx = x0 + i as i32 * 4 * scale;
        for (r, bits) in rows.iter().enumerate() {
            for col in 0..3 {
                if bits & (4 >> col) != 0 {
                    let (x, y) = (gx + col * scale, y0 + r as i32 * scale);
                    out.push((x, y, x + scale, y + scale));
                }
            }
        }
    }
    out
}
