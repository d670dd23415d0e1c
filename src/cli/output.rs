//! `-o json|yaml|name` as `ork get` prints them; the tables, cells and ages
//! come from `verbs::output`.

use super::{Format, Result};
use crate::api::AnyObject;
use crate::verbs::output::{json_list, to_json, to_yaml};

pub use crate::verbs::output::table;

/// Prints objects in a non-table format. `single` prints one object bare
/// instead of a List.
pub fn print_structured(objs: &[AnyObject], format: Format, single: bool) -> Result<()> {
    match format {
        Format::Name => {
            for o in objs {
                println!("{}", o.qualified_name());
            }
        }
        Format::Json => println!("{}", to_json(&json_list(objs, single)?)?),
        Format::Yaml => print!("{}", to_yaml(&json_list(objs, single)?)?),
        Format::Table | Format::Wide => {}
    }
    Ok(())
}
