//! Tables and definition lists: rows under header cells (a people table: the row naming the
//! lead becomes a record, each cell read by its column's label), two-column label/value tables,
//! and `<dt>`/`<dd>` pairs (a label and its value, or a person and their details).

use scraper::{ElementRef, Html, Selector};

use super::{Fact, Record, Source, html, links, prose, vocab::label_kind};
use crate::fields::FieldKind;
use crate::lead::NameMatcher;

fn select<'a>(scope: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    match Selector::parse(css) {
        Ok(s) => scope.select(&s).collect(),
        Err(_) => Vec::new(),
    }
}

fn cell_text(cell: ElementRef<'_>) -> String {
    html::segments(cell).join(" ")
}

fn cells(row: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    row.children()
        .filter_map(ElementRef::wrap)
        .filter(|c| matches!(c.value().name(), "td" | "th"))
        .collect()
}

/// Records of the rows, in tables with a header row, that name the lead; and of definition
/// lists whose term names the lead.
pub fn read(document: &Html, matcher: &NameMatcher) -> Vec<Record> {
    let mut out = Vec::new();
    let root = document.root_element();
    for table in select(root, "table") {
        let rows = select(table, "tr");
        let Some(header_row) = rows.iter().find(|r| {
            let c = cells(**r);
            !c.is_empty() && c.iter().all(|cell| cell.value().name() == "th")
        }) else {
            continue;
        };
        let headers: Vec<String> = cells(*header_row).into_iter().map(cell_text).collect();
        if headers.len() < 2 {
            continue;
        }
        let kinds: Vec<Option<FieldKind>> = headers.iter().map(|h| label_kind(h)).collect();
        for row in &rows {
            if row.id() == header_row.id() {
                continue;
            }
            let row_cells = cells(*row);
            if !row_cells
                .iter()
                .any(|c| matcher.mentioned_in(&cell_text(*c)))
            {
                continue;
            }
            let mut record = Record::default();
            for (i, cell) in row_cells.iter().enumerate() {
                let text = cell_text(*cell);
                match kinds.get(i).copied().flatten() {
                    Some(FieldKind::Name) => {
                        record.push(Fact::new(FieldKind::Name, text, Source::Labelled))
                    }
                    Some(kind) => {
                        let mut facts = prose::labelled_fact(kind, &text);
                        if facts.is_empty()
                            || matches!(
                                kind,
                                FieldKind::Linkedin
                                    | FieldKind::Github
                                    | FieldKind::PersonalWebsite
                                    | FieldKind::Email
                            )
                        {
                            facts.extend(
                                links::read(*cell, "https://invalid.example/", true)
                                    .into_iter()
                                    .filter(|f| {
                                        f.kind == kind
                                            || f.kind == FieldKind::Email
                                                && kind == FieldKind::Email
                                    }),
                            );
                        }
                        record.extend(facts);
                    }
                    None if matcher.mentioned_in(&text) => {
                        record.push(Fact::new(FieldKind::Name, text, Source::Labelled));
                    }
                    None => record.extend(
                        links::read(*cell, "https://invalid.example/", true)
                            .into_iter()
                            .filter(|f| f.kind != FieldKind::PersonalWebsite),
                    ),
                }
            }
            out.push(record);
        }
    }
    for list in select(root, "dl") {
        let mut current: Option<Record> = None;
        for child in list.children().filter_map(ElementRef::wrap) {
            match child.value().name() {
                "dt" => {
                    if let Some(record) = current.take() {
                        out.push(record);
                    }
                    let text = cell_text(child);
                    if label_kind(&text).is_none() && matcher.mentioned_in(&text) {
                        let mut record = Record::default();
                        record.push(Fact::new(FieldKind::Name, text, Source::Labelled));
                        current = Some(record);
                    }
                }
                "dd" => {
                    if let Some(record) = current.as_mut() {
                        record.extend(
                            links::read(child, "https://invalid.example/", true)
                                .into_iter()
                                .filter(|f| f.kind != FieldKind::PersonalWebsite),
                        );
                        record.extend(prose::read_segments(&html::segments(child), matcher, true));
                    }
                }
                _ => {}
            }
        }
        if let Some(record) = current {
            out.push(record);
        }
    }
    out
}

/// Label/value facts inside a scope: rows of two cells whose first is a label, and
/// `<dt>`/`<dd>` pairs whose term is a label.
pub fn labelled(scope: ElementRef<'_>) -> Vec<Fact> {
    let mut out = Vec::new();
    for row in select(scope, "tr") {
        let row_cells = cells(row);
        if row_cells.len() != 2 {
            continue;
        }
        if let Some(kind) = label_kind(&cell_text(row_cells[0])) {
            out.extend(value_facts(kind, row_cells[1]));
        }
    }
    for list in select(scope, "dl") {
        let mut kind = None;
        for child in list.children().filter_map(ElementRef::wrap) {
            match child.value().name() {
                "dt" => kind = label_kind(&cell_text(child)),
                "dd" => {
                    if let Some(kind) = kind {
                        out.extend(value_facts(kind, child));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn value_facts(kind: FieldKind, cell: ElementRef<'_>) -> Vec<Fact> {
    let from_links: Vec<Fact> = links::read(cell, "https://invalid.example/", true)
        .into_iter()
        .filter(|f| {
            f.kind == kind
                || (kind == FieldKind::PersonalWebsite && f.kind == FieldKind::PersonalWebsite)
        })
        .map(|mut f| {
            f.source = Source::Labelled;
            f
        })
        .collect();
    if !from_links.is_empty() {
        return from_links;
    }
    // An address keeps its lines apart: they are its parts.
    let text = if kind == FieldKind::Location {
        html::segments(cell).join("\n")
    } else {
        cell_text(cell)
    };
    prose::labelled_fact(kind, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_tables_and_lists() {
        let doc = Html::parse_document(
            r#"<table><thead><tr><th>Name</th><th>Role</th><th>Office</th><th>Contact</th></tr></thead>
              <tbody><tr><td>Bo Lind</td><td>CEO</td><td>Oslo</td><td><a href="mailto:bo@x.example">mail</a></td></tr>
              <tr><td>Ada Quill</td><td>Head of Data</td><td>Lisbon</td><td><a href="mailto:ada@x.example">mail</a></td></tr></tbody></table>
              <dl><dt>Cy Moss</dt><dd>Designer</dd><dt>Ada Quill</dt><dd>Former Head of Data, Old Co</dd></dl>"#,
        );
        let m = NameMatcher::new("Ada Quill").unwrap();
        let records = read(&doc, &m);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].first(FieldKind::Title), Some("Head of Data"));
        assert_eq!(records[0].first(FieldKind::Location), Some("Lisbon"));
        assert_eq!(records[0].first(FieldKind::Email), Some("ada@x.example"));
        assert!(records[1].values(FieldKind::Title).all(|f| f.former));
    }

    #[test]
    fn label_value_pairs() {
        let doc = Html::parse_document(
            r#"<table><tr><th>Position</th><td>Staff Engineer</td></tr><tr><td>Location</td><td>Porto, Portugal</td></tr>
               <tr><td>Email</td><td>ada (at) quill.example</td></tr></table>
               <dl><dt>Company</dt><dd>Quill Works</dd><dt>Website</dt><dd><a href="https://ada.test/">ada.test</a></dd></dl>"#,
        );
        let facts = labelled(doc.root_element());
        let got: Vec<(FieldKind, &str)> =
            facts.iter().map(|f| (f.kind, f.value.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (FieldKind::Title, "Staff Engineer"),
                (FieldKind::Location, "Porto, Portugal"),
                (FieldKind::Email, "ada@quill.example"),
                (FieldKind::Company, "Quill Works"),
                (FieldKind::PersonalWebsite, "https://ada.test/"),
            ]
        );
    }
}
