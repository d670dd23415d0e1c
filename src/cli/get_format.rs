//! `ork get -o FORMAT` as kubectl takes it: `wide|json|yaml|name`,
//! `jsonpath=TEMPLATE`, `jsonpath-file=FILE`, `custom-columns=SPEC`,
//! `custom-columns-file=FILE`; and the printing of the template and
//! custom-column formats. The templates and columns themselves are
//! `verbs::jsonpath` and `verbs::columns`.

use super::{Format, Result};
use crate::api::AnyObject;
use crate::verbs::columns::CustomColumns;
use crate::verbs::jsonpath::Template;
use crate::verbs::output::{json_list, json_value, table};

/// What `-o` asked for.
#[derive(Clone, Debug)]
pub enum GetFormat {
    /// One of the fixed formats (table, wide, json, yaml, name).
    Plain(Format),
    /// A JSONPath template, applied to the object (one named) or the List.
    JsonPath(Template),
    /// Columns of paths.
    Columns(CustomColumns),
}

impl Default for GetFormat {
    fn default() -> Self {
        GetFormat::Plain(Format::Table)
    }
}

impl GetFormat {
    /// The fixed format, when it is one.
    pub fn plain(&self) -> Option<Format> {
        match self {
            GetFormat::Plain(f) => Some(*f),
            _ => None,
        }
    }

    /// Whether the output is one of ork's tables (`-o wide` included).
    pub fn is_table(&self) -> bool {
        matches!(self.plain(), Some(Format::Table | Format::Wide))
    }
}

const ALLOWED: &str =
    "custom-columns, custom-columns-file, json, jsonpath, jsonpath-file, name, wide, yaml";

fn read(path: &str) -> std::result::Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))
}

/// Parses `-o`'s value (clap's value parser).
pub fn parse(s: &str) -> std::result::Result<GetFormat, String> {
    let (name, arg) = match s.split_once('=') {
        Some((n, a)) => (n, Some(a)),
        None => (s, None),
    };
    let need = |what: &str| {
        arg.ok_or_else(|| format!("{what} format specified but no {what} given (-o {what}=...)"))
    };
    let bad_jsonpath = |e: String| format!("error parsing jsonpath {}, {e}", arg.unwrap_or(""));
    Ok(match name {
        "table" | "" => GetFormat::Plain(Format::Table),
        "wide" => GetFormat::Plain(Format::Wide),
        "json" => GetFormat::Plain(Format::Json),
        "yaml" => GetFormat::Plain(Format::Yaml),
        "name" => GetFormat::Plain(Format::Name),
        "jsonpath" => {
            GetFormat::JsonPath(Template::parse(need("template")?).map_err(bad_jsonpath)?)
        }
        "jsonpath-file" => GetFormat::JsonPath(
            Template::parse(&read(need("template file")?)?).map_err(bad_jsonpath)?,
        ),
        "custom-columns" => GetFormat::Columns(CustomColumns::parse(need("custom-columns")?)?),
        "custom-columns-file" => GetFormat::Columns(CustomColumns::parse_file(&read(need(
            "custom-columns file",
        )?)?)?),
        other => {
            return Err(format!(
                "unable to match a printer suitable for the output format {other:?}, allowed formats are: {ALLOWED}"
            ));
        }
    })
}

/// The text of a template or custom-columns output for these objects
/// (`single`: one object asked for by name).
pub fn render(
    format: &GetFormat,
    objs: &[AnyObject],
    single: bool,
    headers: bool,
) -> Result<String> {
    Ok(match format {
        GetFormat::JsonPath(t) => t.render(&json_list(objs, single)?),
        GetFormat::Columns(c) => {
            let rows: Result<Vec<Vec<String>>> =
                objs.iter().map(|o| Ok(c.row(&json_value(o)?))).collect();
            table(&c.headers(), &rows?, headers)
        }
        GetFormat::Plain(_) => String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_flags_parse_as_kubectl_spells_them() {
        assert!(matches!(parse("wide"), Ok(GetFormat::Plain(Format::Wide))));
        assert!(matches!(
            parse("jsonpath={.items[*].metadata.name}"),
            Ok(GetFormat::JsonPath(_))
        ));
        assert!(matches!(
            parse("custom-columns=NAME:.metadata.name,NODE:.spec.nodeName"),
            Ok(GetFormat::Columns(_))
        ));
        assert!(
            parse("jsonpath={.items[")
                .unwrap_err()
                .starts_with("error parsing jsonpath")
        );
        assert!(parse("xml").unwrap_err().contains("allowed formats are"));
        assert!(parse("jsonpath").unwrap_err().contains("no template given"));
    }
}
