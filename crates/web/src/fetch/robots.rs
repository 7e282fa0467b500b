//! robots.txt: groups of `User-agent` lines with their `Allow`/`Disallow` rules, the group for
//! our agent chosen by the most specific name (else `*`), and the longest matching rule deciding
//! (`Allow` on a tie). `*` matches any run of characters and a final `$` anchors the end.
//! `Crawl-delay` is read per group.

/// A parsed robots.txt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    groups: Vec<Group>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Group {
    agents: Vec<String>,
    rules: Vec<Rule>,
    crawl_delay: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    allow: bool,
    pattern: String,
}

impl Robots {
    /// Parses a robots.txt body; unknown lines and comments are ignored.
    ///
    /// ```
    /// use sixtyfour_web::fetch::Robots;
    ///
    /// let robots = Robots::parse("User-agent: *\nDisallow: /private/\nAllow: /private/public\n");
    /// assert!(!robots.allows("sixtyfour-web", "/private/x"));
    /// assert!(robots.allows("sixtyfour-web", "/private/public/page"));
    /// assert!(robots.allows("sixtyfour-web", "/team/"));
    /// ```
    pub fn parse(body: &str) -> Robots {
        let mut groups: Vec<Group> = Vec::new();
        let mut current: Option<Group> = None;
        let mut last_was_agent = false;
        for line in body.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if !last_was_agent {
                        if let Some(group) = current.take() {
                            groups.push(group);
                        }
                        current = Some(Group::default());
                    }
                    if let Some(group) = current.as_mut() {
                        group.agents.push(value.to_ascii_lowercase());
                    }
                    last_was_agent = true;
                }
                "allow" | "disallow" => {
                    last_was_agent = false;
                    let Some(group) = current.as_mut() else {
                        continue;
                    };
                    if value.is_empty() {
                        // An empty Disallow allows everything; an empty Allow says nothing.
                        continue;
                    }
                    group.rules.push(Rule {
                        allow: key == "allow",
                        pattern: value.to_owned(),
                    });
                }
                "crawl-delay" => {
                    last_was_agent = false;
                    if let Some(group) = current.as_mut() {
                        group.crawl_delay = value
                            .parse::<f64>()
                            .ok()
                            .filter(|d| d.is_finite() && *d >= 0.0);
                    }
                }
                _ => {}
            }
        }
        if let Some(group) = current {
            groups.push(group);
        }
        Robots { groups }
    }

    /// Robots that allow everything (no robots.txt, or one that could not be read as text).
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// Robots that allow nothing (robots.txt answered 401 or 403).
    pub fn deny_all() -> Robots {
        Robots {
            groups: vec![Group {
                agents: vec!["*".into()],
                rules: vec![Rule {
                    allow: false,
                    pattern: "/".into(),
                }],
                crawl_delay: None,
            }],
        }
    }

    /// The group that applies to `agent`: the one naming the longest part of it, else `*`.
    fn group_for(&self, agent: &str) -> Option<&Group> {
        let agent = agent.to_ascii_lowercase();
        let mut best: Option<(&Group, usize)> = None;
        for group in &self.groups {
            for name in &group.agents {
                if name != "*"
                    && agent.contains(name.as_str())
                    && best.is_none_or(|(_, len)| name.len() > len)
                {
                    best = Some((group, name.len()));
                }
            }
        }
        best.map(|(group, _)| group).or_else(|| {
            self.groups
                .iter()
                .find(|g| g.agents.iter().any(|a| a == "*"))
        })
    }

    /// True when `agent` may fetch `path` (the URL's path and query).
    pub fn allows(&self, agent: &str, path: &str) -> bool {
        let Some(group) = self.group_for(agent) else {
            return true;
        };
        let path = if path.is_empty() { "/" } else { path };
        let mut best: Option<(usize, bool)> = None;
        for rule in &group.rules {
            if matches_pattern(&rule.pattern, path) {
                let len = rule.pattern.len();
                let better = match best {
                    None => true,
                    Some((best_len, best_allow)) => {
                        len > best_len || (len == best_len && rule.allow && !best_allow)
                    }
                };
                if better {
                    best = Some((len, rule.allow));
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }

    /// The crawl delay the group for `agent` asks for, in seconds.
    pub fn crawl_delay(&self, agent: &str) -> Option<f64> {
        self.group_for(agent).and_then(|g| g.crawl_delay)
    }
}

/// Matches a robots pattern (prefix match, `*` any run, trailing `$` end) against a path.
fn matches_pattern(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut position = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            position = part.len();
            continue;
        }
        if i == parts.len() - 1 && anchored {
            return path.len() >= position + part.len() && path.ends_with(part);
        }
        match path[position..].find(part) {
            Some(found) => position += found + part.len(),
            None => return false,
        }
    }
    !anchored || position == path.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENT: &str = "sixtyfour-web/0.1";

    #[test]
    fn rules_table() {
        let robots = Robots::parse(
            "# comment\n\
             User-agent: *\n\
             Disallow: /private\n\
             Allow: /private/ok\n\
             Disallow: /*.pdf$\n\
             Disallow: /search?*q=\n\
             Crawl-delay: 2\n",
        );
        for (path, want) in [
            ("/", true),
            ("/team/", true),
            ("/private", false),
            ("/private/x", false),
            ("/privateer", false),
            ("/private/ok", true),
            ("/private/ok/deeper", true),
            ("/docs/a.pdf", false),
            ("/docs/a.pdf?x=1", true),
            ("/search?lang=en&q=x", false),
            ("/search", true),
        ] {
            assert_eq!(robots.allows(AGENT, path), want, "{path}");
        }
        assert_eq!(robots.crawl_delay(AGENT), Some(2.0));
    }

    #[test]
    fn the_most_specific_group_wins() {
        let robots = Robots::parse(
            "User-agent: *\nDisallow: /\n\n\
             User-agent: othercrawler\nUser-agent: sixtyfour-web\nDisallow: /drafts/\n\n\
             User-agent: sixtyfour\nDisallow: /nothing-for-the-short-name/\n",
        );
        assert!(robots.allows(AGENT, "/team/"));
        assert!(!robots.allows(AGENT, "/drafts/a"));
        assert!(robots.allows(AGENT, "/nothing-for-the-short-name/"));
        assert!(!robots.allows("somebot", "/team/"));
        assert!(!robots.allows("othercrawler", "/drafts/x"));
    }

    #[test]
    fn ties_go_to_allow_and_empty_disallow_allows() {
        let robots = Robots::parse("User-agent: *\nDisallow: /a\nAllow: /a\n");
        assert!(robots.allows(AGENT, "/a/b"));
        let robots = Robots::parse("User-agent: *\nDisallow:\n");
        assert!(robots.allows(AGENT, "/anything"));
        assert!(Robots::parse("").allows(AGENT, "/x"));
        assert!(Robots::parse("garbage\n\0\u{fffd}: : :\nDisallow: /x").allows(AGENT, "/x"));
        assert!(!Robots::deny_all().allows(AGENT, "/"));
    }

    #[test]
    fn patterns() {
        for (pattern, path, want) in [
            ("/", "/x", true),
            ("/a*b", "/a/x/b/c", true),
            ("/a*b$", "/a/x/b/c", false),
            ("/a*b$", "/a/x/b", true),
            ("/x$", "/x", true),
            ("/x$", "/xy", false),
            ("*", "/anything", true),
            ("/*/team", "/en/team", true),
        ] {
            assert_eq!(matches_pattern(pattern, path), want, "{pattern} {path}");
        }
    }
}
