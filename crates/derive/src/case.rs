//! The rename rules of `rename_all`, the same set serde accepts.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

const RULES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("PascalCase", RenameRule::Pascal),
    ("camelCase", RenameRule::Camel),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
];

impl RenameRule {
    pub fn from_name(name: &str) -> Option<Self> {
        RULES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, rule)| *rule)
    }

    pub fn valid_names() -> String {
        RULES
            .iter()
            .map(|(n, _)| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Applies the rule to a field name written in snake_case.
    pub fn apply(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => pascal(field),
            RenameRule::Camel => {
                let pascal = pascal(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

impl RenameRule {
    /// Applies the rule to a variant name written in PascalCase, as serde does.
    pub fn apply_to_variant(self, variant: &str) -> String {
        match self {
            RenameRule::Pascal => variant.to_owned(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            RenameRule::Snake => {
                let mut snake = String::with_capacity(variant.len() + 4);
                for (at, c) in variant.char_indices() {
                    if at > 0 && c.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                }
                snake
            }
            RenameRule::ScreamingSnake => RenameRule::Snake
                .apply_to_variant(variant)
                .to_ascii_uppercase(),
            RenameRule::Kebab => RenameRule::Snake
                .apply_to_variant(variant)
                .replace('_', "-"),
            RenameRule::ScreamingKebab => RenameRule::ScreamingSnake
                .apply_to_variant(variant)
                .replace('_', "-"),
        }
    }
}

fn pascal(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut capitalize = true;
    for c in field.chars() {
        if c == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(c.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_table() {
        let rows = [
            ("lowercase", "github_url", "github_url"),
            ("UPPERCASE", "github_url", "GITHUB_URL"),
            ("PascalCase", "github_url", "GithubUrl"),
            ("camelCase", "github_url", "githubUrl"),
            ("camelCase", "email", "email"),
            ("snake_case", "github_url", "github_url"),
            ("SCREAMING_SNAKE_CASE", "github_url", "GITHUB_URL"),
            ("kebab-case", "github_url", "github-url"),
            ("SCREAMING-KEBAB-CASE", "github_url", "GITHUB-URL"),
        ];
        for (rule, field, want) in rows {
            let rule = RenameRule::from_name(rule).unwrap();
            assert_eq!(rule.apply(field), want);
        }
        assert!(RenameRule::from_name("Camel").is_none());
    }

    #[test]
    fn variant_rules_table() {
        let rows = [
            ("lowercase", "SeriesA", "seriesa"),
            ("UPPERCASE", "SeriesA", "SERIESA"),
            ("PascalCase", "SeriesA", "SeriesA"),
            ("camelCase", "SeriesA", "seriesA"),
            ("snake_case", "SeriesA", "series_a"),
            ("SCREAMING_SNAKE_CASE", "SeriesA", "SERIES_A"),
            ("kebab-case", "SeriesA", "series-a"),
            ("SCREAMING-KEBAB-CASE", "SeriesA", "SERIES-A"),
            ("snake_case", "Seed", "seed"),
        ];
        for (rule, variant, want) in rows {
            let rule = RenameRule::from_name(rule).unwrap();
            assert_eq!(rule.apply_to_variant(variant), want);
        }
    }
}
