//! `Choices`: the values a fieldless enum allows, and the matching of an answer's text to one
//! of them, ignoring case and separators (`"Series A"`, `"series_a"` and `"SERIES-A"` are the
//! same value).

/// The values a fieldless enum accepts, as `#[derive(Enrich)]` on the enum writes them.
///
/// ```
/// use sixtyfour_casting::{Choice, Choices};
///
/// const STAGES: Choices = Choices::new(&["seed", "series_a", "series_b"]).with_other(Choice::Unit("other"));
/// assert_eq!(STAGES.find("Series A"), Some(Choice::Unit("series_a")));
/// assert_eq!(STAGES.find("SERIES-B"), Some(Choice::Unit("series_b")));
/// assert_eq!(STAGES.find("pre-seed"), Some(Choice::Unit("other")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Choices {
    /// The values `Deserialize` reads, in declaration order: what the API is told.
    pub values: &'static [&'static str],
    /// Guidance for each value (the variants' doc comments), in the same order; `""` for none.
    pub descriptions: &'static [&'static str],
    /// Further spellings `Deserialize` reads (`#[serde(alias)]`), each with its value.
    pub aliases: &'static [(&'static str, &'static str)],
    /// The catch-all for text that is none of the values.
    pub other: Option<Choice>,
}

/// What a text decodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Choice {
    /// The unit variant `Deserialize` reads under this name.
    Unit(&'static str),
    /// The newtype variant of this name, holding the answer's text (trimmed).
    Text(&'static str),
}

impl Choices {
    /// The allowed values, with no descriptions, aliases or catch-all.
    pub const fn new(values: &'static [&'static str]) -> Self {
        Choices {
            values,
            descriptions: &[],
            aliases: &[],
            other: None,
        }
    }

    /// Adds guidance for each value, in the order of the values.
    pub const fn with_descriptions(mut self, descriptions: &'static [&'static str]) -> Self {
        self.descriptions = descriptions;
        self
    }

    /// Adds further spellings, each with the value it stands for.
    pub const fn with_aliases(mut self, aliases: &'static [(&'static str, &'static str)]) -> Self {
        self.aliases = aliases;
        self
    }

    /// Adds a catch-all for text that is none of the values.
    pub const fn with_other(mut self, other: Choice) -> Self {
        self.other = Some(other);
        self
    }

    /// The choice `text` (already trimmed, not blank) stands for: a value or an alias equal to
    /// it once case and separators are ignored, else the catch-all.
    pub fn find(&self, text: &str) -> Option<Choice> {
        if let Some(value) = self.values.iter().find(|value| same_choice(value, text)) {
            return Some(Choice::Unit(value));
        }
        if let Some((_, value)) = self
            .aliases
            .iter()
            .find(|(alias, _)| same_choice(alias, text))
        {
            return Some(Choice::Unit(value));
        }
        self.other
    }

    /// The description of the `index`-th value, if it has one.
    pub(crate) fn description(&self, index: usize) -> Option<&'static str> {
        self.descriptions
            .get(index)
            .copied()
            .filter(|text| !text.trim().is_empty())
    }
}

/// True when `a` and `b` are the same once case, white space, `_` and `-` are ignored.
///
/// ```
/// use sixtyfour_casting::same_choice;
///
/// assert!(same_choice("SeriesA", "series a"));
/// assert!(same_choice("series_a", "SERIES-A"));
/// assert!(same_choice("Über", "über"));
/// assert!(!same_choice("series_a", "series_b"));
/// ```
pub fn same_choice(a: &str, b: &str) -> bool {
    folded(a).eq(folded(b))
}

fn folded(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars()
        .filter(|c| !(c.is_whitespace() || *c == '_' || *c == '-'))
        .flat_map(char::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAGES: Choices = Choices::new(&["Seed", "SeriesA", "series-b"])
        .with_aliases(&[("angel", "Seed")])
        .with_descriptions(&["Pre-seed and seed rounds", "", ""]);

    #[test]
    fn matching_table() {
        let rows: &[(&str, Option<Choice>)] = &[
            ("Seed", Some(Choice::Unit("Seed"))),
            ("seed", Some(Choice::Unit("Seed"))),
            ("SEED", Some(Choice::Unit("Seed"))),
            ("Series A", Some(Choice::Unit("SeriesA"))),
            ("series_a", Some(Choice::Unit("SeriesA"))),
            ("SERIES-A", Some(Choice::Unit("SeriesA"))),
            ("s e r i e s a", Some(Choice::Unit("SeriesA"))),
            ("Series B", Some(Choice::Unit("series-b"))),
            ("Angel", Some(Choice::Unit("Seed"))),
            ("Series C", None),
            ("Series", None),
            ("SeriesAB", None),
        ];
        for (text, want) in rows {
            assert_eq!(STAGES.find(text), *want, "{text}");
        }
        let open = STAGES.with_other(Choice::Text("Other"));
        assert_eq!(open.find("Series C"), Some(Choice::Text("Other")));
        assert_eq!(open.find("seed"), Some(Choice::Unit("Seed")));
    }

    #[test]
    fn descriptions_skip_blank_ones() {
        assert_eq!(STAGES.description(0), Some("Pre-seed and seed rounds"));
        assert_eq!(STAGES.description(1), None);
        assert_eq!(STAGES.description(7), None);
    }
}
