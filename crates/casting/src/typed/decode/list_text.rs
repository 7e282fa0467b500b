//! JSON text of a list of plain strings (`["Rust", "Go"]`), the common shape of a list the
//! service sends as text, read without a JSON parser. Anything else (escapes, control
//! characters, numbers, nesting, a trailing comma, stray characters) is left to serde_json,
//! which then decides exactly as it would have.

/// The items of `text` (trimmed, starting with `[`) when it is a JSON array of strings with no
/// escapes and no control characters; `None` for anything else.
#[inline]
pub(super) fn plain_strings(text: &str) -> Option<PlainStrings<'_>> {
    let bytes = text.as_bytes();
    let end = bytes.len();
    if bytes.first() != Some(&b'[') {
        return None;
    }
    let mut at = skip_space(bytes, 1);
    let mut count = 0;
    if at < end && bytes[at] == b']' {
        at += 1;
    } else {
        loop {
            if at >= end || bytes[at] != b'"' {
                return None;
            }
            at = plain_run(bytes, at + 1);
            if at >= end || bytes[at] != b'"' {
                return None;
            }
            count += 1;
            at = skip_space(bytes, at + 1);
            if at >= end {
                return None;
            }
            match bytes[at] {
                b',' => at = skip_space(bytes, at + 1),
                b']' => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_space(bytes, at) == end).then_some(PlainStrings {
        text,
        at: 1,
        remaining: count,
    })
}

/// The bytes a plain string holds as they are: anything but a quote, a backslash or a control
/// character.
const PLAIN: [bool; 256] = {
    let mut table = [true; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = false;
        byte += 1;
    }
    table[b'"' as usize] = false;
    table[b'\\' as usize] = false;
    table
};

/// The position of the first byte from `at` that a plain string cannot hold as it is (see
/// [`PLAIN`]), or the end. Eight bytes at a time while eight remain: in each word, the lowest
/// byte flagged by these tests is exactly the first quote, backslash or control character
/// (bytes above a true match may be flagged falsely, never bytes below it).
#[inline]
fn plain_run(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let special = zero_byte(word ^ (ONES * u64::from(b'"')))
            | zero_byte(word ^ (ONES * u64::from(b'\\')))
            | word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        if special != 0 {
            return at + (special.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < bytes.len() && PLAIN[usize::from(bytes[at])] {
        at += 1;
    }
    at
}

/// The position of the first byte from `at` that is not JSON white space.
#[inline]
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && matches!(bytes[at], b' ' | b'\t' | b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// The strings of a list checked by [`plain_strings`], in order.
pub(super) struct PlainStrings<'a> {
    text: &'a str,
    at: usize,
    remaining: usize,
}

impl<'a> PlainStrings<'a> {
    /// How many strings are left.
    pub fn len(&self) -> usize {
        self.remaining
    }
}

impl<'a> Iterator for PlainStrings<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        if self.remaining == 0 {
            return None;
        }
        // The text was checked: quotes come in pairs, each pair around one item.
        let bytes = self.text.as_bytes();
        let mut start = self.at;
        while start < bytes.len() && bytes[start] != b'"' {
            start += 1;
        }
        start += 1;
        let mut end = start;
        while end < bytes.len() && bytes[end] != b'"' {
            end += 1;
        }
        self.at = end + 1;
        self.remaining -= 1;
        self.text.get(start..end)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lists_table() {
        let rows: &[(&str, Option<&[&str]>)] = &[
            ("[]", Some(&[])),
            ("[ ]", Some(&[])),
            ("[\"Rust\"]", Some(&["Rust"])),
            ("[\"Rust\",\"Go\"]", Some(&["Rust", "Go"])),
            ("[ \"a b\" ,\n\t\"\" ]", Some(&["a b", ""])),
            ("[\"Núñez\", \"東京\"]", Some(&["Núñez", "東京"])),
            ("[\"a\",]", None),
            ("[,\"a\"]", None),
            ("[\"a\" \"b\"]", None),
            ("[\"a\\\"b\"]", None),
            ("[\"a\\nb\"]", None),
            ("[\"a\u{1}\"]", None),
            ("[1, 2]", None),
            ("[\"a\", 1]", None),
            ("[[\"a\"]]", None),
            ("[\"a\"", None),
            ("[\"a", None),
            ("[\"a\"] x", None),
            ("[\"a\"]]", None),
            ("[\"a\"]\u{a0}", None),
            ("[", None),
        ];
        for (text, want) in rows {
            let got: Option<Vec<&str>> = plain_strings(text).map(Iterator::collect);
            assert_eq!(got.as_deref(), *want, "{text}");
        }
    }

    #[test]
    fn runs_stop_at_the_first_special_byte() {
        let texts = [
            "abcdefghijklmnop\"",
            "abcdefgh\\ijklmnop",
            "abcdefghijklmno\u{1f}",
            "ab\"cdefgh\\ijklmnop",
            "é東京abcdefghijk\"xyz",
            "\u{7f}\u{ff}abcdefgh",
            "short",
            "",
        ];
        for text in texts {
            for at in 0..=text.len() {
                let bytes = text.as_bytes();
                let want = (at..bytes.len())
                    .find(|i| !PLAIN[usize::from(bytes[*i])])
                    .unwrap_or(bytes.len());
                assert_eq!(plain_run(bytes, at), want, "{text:?} from {at}");
            }
        }
    }

    proptest::proptest! {
        /// Runs stop where a byte-by-byte scan stops.
        #[test]
        fn runs_agree_with_a_plain_scan(bytes in proptest::collection::vec(proptest::prop_oneof![
            proptest::strategy::Just(b'"'), proptest::strategy::Just(b'\\'), 0u8..0x21, 0x20u8..=0xff,
        ], 0..40)) {
            for at in 0..=bytes.len() {
                let want = (at..bytes.len())
                    .find(|i| !PLAIN[usize::from(bytes[*i])])
                    .unwrap_or(bytes.len());
                proptest::prop_assert_eq!(plain_run(&bytes, at), want);
            }
        }

        /// Whatever it accepts, serde_json reads as the same list of strings.
        #[test]
        fn agrees_with_serde_json(text in "\\[[ \\t\\n\\r\",a-z\\\\\\]\\[0-9\u{1}é]{0,16}") {
            if let Some(items) = plain_strings(&text) {
                let items: Vec<&str> = items.collect();
                let parsed: Vec<String> = serde_json::from_str(&text).unwrap();
                proptest::prop_assert_eq!(items, parsed);
            }
        }

        /// Lists of strings as serde_json writes them, escapes aside, are read.
        #[test]
        fn reads_what_serde_json_writes(items in proptest::collection::vec("[a-zé ,\\]\\[]{0,6}", 0..5)) {
            let text = serde_json::to_string(&items).unwrap();
            let got: Option<Vec<&str>> = plain_strings(&text).map(Iterator::collect);
            proptest::prop_assert_eq!(got, Some(items.iter().map(String::as_str).collect::<Vec<_>>()));
        }
    }
}
