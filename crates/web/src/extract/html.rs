//! HTML helpers: visible text with block boundaries as new lines, text segments of an element,
//! the page title, and walking up to an element's card (the repeated block it sits in).

use scraper::node::Node;
use scraper::{ElementRef, Html};

use crate::fetch::ContentKind;

/// Elements whose content is never visible text.
const HIDDEN: &[&str] = &[
    "script", "style", "noscript", "template", "head", "svg", "iframe",
];

/// Elements that start a new line of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "nav",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "tr",
    "td",
    "th",
    "table",
    "thead",
    "tbody",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "hr",
    "blockquote",
    "figure",
    "figcaption",
    "address",
    "pre",
    "form",
    "body",
    "html",
    "span.block",
];

/// True for a tag that breaks lines.
pub fn is_block(tag: &str) -> bool {
    BLOCKS.contains(&tag)
}

/// The visible text of an element, a new line at each block boundary.
///
/// An `<abbr>` with a `title` reads as its expansion (`<abbr title="Associate Professor">Assoc.
/// Prof.</abbr>`), and an image inside a heading as its `alt` text (a name set as a logo).
pub fn text_of(element: ElementRef<'_>) -> String {
    let mut out = String::new();
    push_text(*element, &mut out, false);
    out
}

fn push_text(node: ego_tree::NodeRef<'_, Node>, out: &mut String, in_heading: bool) {
    match node.value() {
        Node::Text(text) => out.push_str(text),
        Node::Element(element) => {
            let tag = element.name();
            if HIDDEN.contains(&tag) {
                return;
            }
            if tag == "abbr"
                && let Some(expansion) = element.attr("title").map(str::trim)
                && !expansion.is_empty()
            {
                out.push_str(expansion);
                return;
            }
            if tag == "img" {
                if in_heading && let Some(alt) = element.attr("alt") {
                    out.push(' ');
                    out.push_str(alt.trim());
                    out.push(' ');
                }
                return;
            }
            let in_heading = in_heading || matches!(tag, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
            // Inline elements that carry a class or an itemprop are styled parts of a card
            // ("name", "position", "city"): read them as lines of their own.
            let styled = element.attr("class").is_some() || element.attr("itemprop").is_some();
            let block = is_block(tag) || styled;
            if block {
                out.push('\n');
            }
            for child in node.children() {
                push_text(child, out, in_heading);
            }
            if block {
                out.push('\n');
            }
        }
        Node::Document | Node::Fragment => {
            for child in node.children() {
                push_text(child, out, in_heading);
            }
        }
        _ => {}
    }
}

/// The visible text of an element without the subtrees of `skip` (elements read apart).
pub fn text_except(element: ElementRef<'_>, skip: &[ego_tree::NodeId]) -> String {
    let mut out = String::new();
    push_text_except(*element, &mut out, skip);
    out
}

fn push_text_except(
    node: ego_tree::NodeRef<'_, Node>,
    out: &mut String,
    skip: &[ego_tree::NodeId],
) {
    if skip.contains(&node.id()) {
        out.push('\n');
        return;
    }
    match node.value() {
        Node::Element(element) => {
            let tag = element.name();
            if HIDDEN.contains(&tag) {
                return;
            }
            if !node.descendants().any(|d| skip.contains(&d.id())) {
                if let Some(e) = ElementRef::wrap(node) {
                    // The text of `e` as a block or inline, like `push_text`.
                    let mut inner = String::new();
                    push_text(*e, &mut inner, false);
                    out.push_str(&inner);
                }
                return;
            }
            let styled = element.attr("class").is_some() || element.attr("itemprop").is_some();
            let block = is_block(tag) || styled;
            if block {
                out.push('\n');
            }
            for child in node.children() {
                push_text_except(child, out, skip);
            }
            if block {
                out.push('\n');
            }
        }
        Node::Text(text) => out.push_str(text),
        Node::Document | Node::Fragment => {
            for child in node.children() {
                push_text_except(child, out, skip);
            }
        }
        _ => {}
    }
}

/// The non-empty lines of an element's visible text, white space collapsed.
pub fn segments(element: ElementRef<'_>) -> Vec<String> {
    lines(&text_of(element))
}

/// The non-empty lines of a text, white space collapsed.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The `<title>` text, else the first `<h1>`.
pub fn title(document: &Html) -> String {
    let pick = |css: &str| {
        scraper::Selector::parse(css).ok().and_then(|s| {
            document
                .select(&s)
                .map(|e| e.text().collect::<String>())
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                .find(|t| !t.is_empty())
        })
    };
    pick("title").or_else(|| pick("h1")).unwrap_or_default()
}

/// The title and visible text of a page, with the strings of its JSON blocks (for JSON, its
/// string values, one per line).
pub fn page_text(kind: ContentKind, body: &str) -> (String, String) {
    match kind {
        ContentKind::Html => {
            let document = Html::parse_document(body);
            let mut text = lines(&text_of(document.root_element())).join("\n");
            // The strings of JSON blocks (JSON-LD, a static export's page data): people listed
            // only there are found by a search too.
            if let Ok(selector) = scraper::Selector::parse("script[type]") {
                for script in document.select(&selector) {
                    let kind = script
                        .value()
                        .attr("type")
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    if !kind.contains("json") {
                        continue;
                    }
                    let raw: String = script.text().collect();
                    if let Ok(value) = serde_json::from_str::<serde_json::Value>(raw.trim()) {
                        let mut strings = Vec::new();
                        json_strings(&value, &mut strings, 0);
                        for s in strings {
                            text.push('\n');
                            text.push_str(&s);
                        }
                    }
                }
            }
            (title(&document), text)
        }
        ContentKind::Json => {
            let mut out = Vec::new();
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
                json_strings(&value, &mut out, 0);
            }
            (String::new(), out.join("\n"))
        }
    }
}

fn json_strings(value: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => {
            items.iter().for_each(|v| json_strings(v, out, depth + 1))
        }
        serde_json::Value::Object(map) => {
            map.values().for_each(|v| json_strings(v, out, depth + 1))
        }
        _ => {}
    }
}

/// The parent element, if any.
pub fn parent(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    element.parent().and_then(ElementRef::wrap)
}

/// True when the element is one of several siblings of the same tag and class: a list item, a
/// card in a grid, a row, a paragraph among paragraphs.
pub fn is_repeated(element: ElementRef<'_>) -> bool {
    let Some(parent) = parent(element) else {
        return false;
    };
    let tag = element.value().name();
    let class = element.value().attr("class").unwrap_or("");
    parent
        .children()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == tag && e.value().attr("class").unwrap_or("") == class)
        .count()
        >= 2
}

/// Inline elements, never a card of their own.
pub const INLINE: &[&str] = &[
    "a", "span", "strong", "em", "b", "i", "small", "abbr", "cite", "code", "time", "sup", "sub",
    "u", "mark", "label", "img", "br", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th",
];

/// The card an element sits in: the nearest ancestor-or-self that is a repeated block. `None`
/// when the walk reaches `<body>` (the element belongs to the page as a whole).
pub fn card_of(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let mut node = element;
    loop {
        let tag = node.value().name();
        if matches!(tag, "body" | "html" | "main") {
            return None;
        }
        if !INLINE.contains(&tag) && is_repeated(node) {
            return Some(node);
        }
        node = parent(node)?;
    }
}

fn heading_level(element: ElementRef<'_>) -> Option<u8> {
    match element.value().name() {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// The nearest block around an element whose text is short (a byline, an author box, a bio
/// paragraph), below `<body>`/`<main>`/`<article>`.
pub fn small_block(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    std::iter::successors(Some(element), |e| parent(*e))
        .take_while(|e| !matches!(e.value().name(), "body" | "html" | "main" | "article"))
        .filter(|e| {
            matches!(
                e.value().name(),
                "div"
                    | "p"
                    | "li"
                    | "section"
                    | "aside"
                    | "footer"
                    | "header"
                    | "figure"
                    | "blockquote"
                    | "address"
                    | "td"
                    | "dd"
            )
        })
        .find(|e| {
            let length = text_of(*e).split_whitespace().map(str::len).sum::<usize>();
            length <= 400
        })
}

/// The label of the group a list item belongs to: the text of the item its list is nested
/// in ("PhD students" in `<li>PhD students<ul><li>Ada</li></ul></li>`), else the heading just
/// before its list.
pub fn group_label(item: ElementRef<'_>) -> Option<String> {
    if item.value().name() != "li" {
        return None;
    }
    let list = parent(item).filter(|l| matches!(l.value().name(), "ul" | "ol"))?;
    if let Some(outer) = parent(list).filter(|o| o.value().name() == "li") {
        let mut label = String::new();
        for child in outer.children() {
            match ElementRef::wrap(child) {
                Some(e) if matches!(e.value().name(), "ul" | "ol") => break,
                Some(e) => label.push_str(&text_of(e)),
                None => {
                    if let Some(text) = child.value().as_text() {
                        label.push_str(text);
                    }
                }
            }
        }
        let label = lines(&label).join(" ");
        return (!label.is_empty()).then_some(label);
    }
    let heading = std::iter::successors(list.prev_sibling(), |n| n.prev_sibling())
        .filter_map(ElementRef::wrap)
        .next()
        .filter(|e| heading_level(*e).is_some())?;
    Some(segments(heading).join(" ")).filter(|l| !l.is_empty())
}

/// The heading an element is in (or is), when that heading is one of several of its level
/// under the same parent: a flat list of people as headings and paragraphs.
pub fn section_heading(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let heading = std::iter::successors(Some(element), |e| parent(*e))
        .take(3)
        .find(|e| heading_level(*e).is_some())?;
    let level = heading_level(heading)?;
    let siblings = parent(heading)?
        .children()
        .filter_map(ElementRef::wrap)
        .filter(|e| heading_level(*e) == Some(level))
        .count();
    (siblings >= 2).then_some(heading)
}

/// The elements after a heading up to the next heading of the same or a higher level.
pub fn section_of(heading: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    let Some(level) = heading_level(heading) else {
        return Vec::new();
    };
    std::iter::successors(heading.next_sibling(), |n| n.next_sibling())
        .filter_map(ElementRef::wrap)
        .take_while(|e| heading_level(*e).is_none_or(|l| l > level))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_block_lines_and_no_scripts() {
        let doc = Html::parse_document(
            "<html><head><title>T</title><script>var x=1</script></head><body><h1>Jane  Doe</h1><p>CTO<br>Acme</p><span>a</span><span>b</span></body></html>",
        );
        assert_eq!(
            segments(doc.root_element()),
            vec!["Jane Doe", "CTO", "Acme", "ab"]
        );
        assert_eq!(title(&doc), "T");
    }

    #[test]
    fn abbreviations_read_as_their_expansion() {
        let doc = Html::parse_document(
            r#"<ul><li>Jo Lee, <abbr title="Associate Professor">Assoc. Prof.</abbr></li><li><abbr>CS</abbr></li></ul>
               <h1><img src="l.png" alt="Juno Park"></h1><p><img src="x.png" alt="decoration"></p>"#,
        );
        assert_eq!(
            segments(doc.root_element()),
            vec!["Jo Lee, Associate Professor", "CS", "Juno Park"]
        );
    }

    #[test]
    fn styled_spans_are_lines() {
        let doc = Html::parse_document(
            r#"<div><span class="name">Hana Kim</span><span class="position">Principal Engineer</span><b>x</b><i>y</i></div>"#,
        );
        assert_eq!(
            segments(doc.root_element()),
            vec!["Hana Kim", "Principal Engineer", "xy"]
        );
    }

    #[test]
    fn cards_are_repeated_blocks() {
        let doc = Html::parse_document(
            r#"<body><h1>Team</h1><div class="grid">
              <div class="card"><h3 id="a">Jane Doe</h3><p>CTO</p></div>
              <div class="card"><h3>Bob Stone</h3><p>CEO</p></div></div>
              <div class="solo"><h2 id="b">Alone</h2></div></body>"#,
        );
        let sel = scraper::Selector::parse("#a").unwrap();
        let a = doc.select(&sel).next().unwrap();
        let card = card_of(a).unwrap();
        assert_eq!(card.value().attr("class"), Some("card"));
        let sel = scraper::Selector::parse("#b").unwrap();
        let b = doc.select(&sel).next().unwrap();
        assert!(card_of(b).is_none());
    }

    #[test]
    fn json_text() {
        let (_, text) = page_text(
            ContentKind::Json,
            r#"{"name":"Jane","nested":{"x":["CTO", 3]}}"#,
        );
        assert_eq!(text, "Jane\nCTO");
        let (_, text) = page_text(ContentKind::Json, "not json");
        assert_eq!(text, "");
    }
}
