//! CEL, the expression language of Kubernetes' admission policies: the
//! environment ork evaluates in (CEL's standard library, optional values,
//! the strings, lists and math libraries Kubernetes declares, and
//! Kubernetes' own list and set functions),
//! compiling as Kubernetes checks an expression (a call of a function no
//! library declares is a compile error naming it, as the type checker
//! reports it; one of Kubernetes' own libraries ork does not carry is
//! refused as not supported), and evaluating over JSON documents.
//!
//! Parsing and evaluating recurse once per level of the expression, deeply
//! in debug builds (a 96-level expression needs more than 2 MiB), so both
//! run with [`STACK`] bytes of stack ([`on_stack`]): on a thread of their
//! own, or on the calling thread when it was started with that much (the
//! store's writer): an expression never overflows the stack of the thread
//! that asked.
//!
//! Pure; imports nothing of ork.

use cel::extractors::This;
use cel::{Context, Env, ExecutionError, Value};
use serde_json::Value as Json;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// The stack of the thread that parses and evaluates (virtual until used).
pub const STACK: usize = 64 << 20;
/// How deeply an expression may nest (CEL's parser's default).
const MAX_DEPTH: u16 = 96;
/// The longest expression ork compiles (Kubernetes bounds them by cost;
/// ork, which does not estimate cost, by length).
pub const MAX_LENGTH: usize = 5 * 1024;

/// The functions of CEL's standard library and of the libraries ork's
/// environment adds, by name (methods and global functions alike). A call
/// of anything else fails to compile.
const DECLARED: &[&str] = &[
    // The standard library.
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "duration",
    "timestamp",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getFullYear",
    "getHours",
    "getMilliseconds",
    "getMinutes",
    "getMonth",
    "getSeconds",
    // Optional values.
    "optional.of",
    "optional.none",
    "optional.ofNonZeroValue",
    "hasValue",
    "value",
    "or",
    "orValue",
    // The strings library.
    "charAt",
    "indexOf",
    "lastIndexOf",
    "lowerAscii",
    "upperAscii",
    "replace",
    "split",
    "substring",
    "trim",
    "join",
    "format",
    "reverse",
    "strings.quote",
    // The lists library.
    "distinct",
    "flatten",
    "slice",
    "sort",
    "lists.range",
    // The math library.
    "math.greatest",
    "math.least",
    "math.abs",
    "math.ceil",
    "math.floor",
    "math.round",
    "math.trunc",
    "math.sign",
    "math.sqrt",
    "math.isInf",
    "math.isNaN",
    "math.isFinite",
    "math.bitAnd",
    "math.bitOr",
    "math.bitXor",
    "math.bitNot",
    "math.bitShiftLeft",
    "math.bitShiftRight",
    // Kubernetes' lists and sets libraries ([`kubernetes_library`]).
    "isSorted",
    "sum",
    "min",
    "max",
    "sets.contains",
    "sets.equivalent",
    "sets.intersects",
];

/// Functions Kubernetes' CEL environment declares and ork's does not.
const NOT_SUPPORTED: &[&str] = &[
    "sortBy",
    "find",
    "findAll",
    "url",
    "isURL",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
    "getQuery",
    "quantity",
    "isQuantity",
    "ip",
    "isIP",
    "cidr",
    "isCIDR",
    "containsIP",
    "containsCIDR",
    "prefixLength",
    "masked",
    "family",
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
    "semver",
    "isSemver",
    "authorizer",
    "base64.encode",
    "base64.decode",
    "format.named",
];

static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| {
    let mut env = Env::stdlib();
    for ext in [
        cel::extensions::strings as fn(&mut Env) -> _,
        cel::extensions::lists,
        cel::extensions::math,
    ] {
        env.add_extension(ext)
            .expect("CEL's libraries declare distinct functions");
    }
    Arc::new(env)
});

/// A compiled expression.
#[derive(Clone, Debug)]
pub struct Program {
    expr: cel::parser::Expression,
}

thread_local! {
    /// Whether this thread was started with [`STACK`] bytes of stack.
    static DEEP: Cell<bool> = const { Cell::new(false) };
}

/// Declares that the calling thread was started with at least [`STACK`]
/// bytes of stack (and has used little of it), so [`on_stack`] runs on it
/// directly (a thread that evaluates for every write, like the store's
/// writer, saves a thread start per evaluation).
pub fn declare_deep_stack() {
    DEEP.with(|d| d.set(true));
}

/// Runs `f` with [`STACK`] bytes of stack: on this thread when it declared
/// that much, else on a thread of its own; returns what `f` returns.
pub fn on_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if DEEP.with(Cell::get) {
        return f();
    }
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("cel".into())
            .stack_size(STACK)
            .spawn_scoped(s, || {
                declare_deep_stack();
                f()
            })
            .expect("a thread for CEL can be started")
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// Compiles `source`, refusing what does not parse and a call of a
/// function no library of ork's environment declares, with Kubernetes'
/// words (`compilation failed: ERROR: <input>:1:22: ...`,
/// `undeclared reference to 'startWith'`).
pub fn compile(source: &str) -> Result<Program, String> {
    if source.len() > MAX_LENGTH {
        return Err(format!(
            "compilation failed: the expression is {} bytes long; ork compiles at most {MAX_LENGTH}",
            source.len()
        ));
    }
    let source = source.to_string();
    on_stack(move || {
        let expr = ENV
            .parser()
            .max_recursion_depth(MAX_DEPTH)
            .parse(&source)
            .map_err(|e| format!("compilation failed: {e}"))?;
        for f in expr.references().functions() {
            // Operators (`_+_`, `!_`, `@in`) and what macros expand to
            // (`math.@max`) are the language's own.
            if f.starts_with('_') || f.ends_with('_') || f.contains('@') || named(DECLARED, f) {
                continue;
            }
            if named(NOT_SUPPORTED, f) {
                return Err(format!(
                    "compilation failed: the function '{f}' of Kubernetes' CEL libraries is not supported by ork yet"
                ));
            }
            return Err(format!(
                "compilation failed: ERROR: undeclared reference to '{f}'"
            ));
        }
        Ok(Program { expr })
    })
}

/// Whether `f` is one of `names`; a namespaced function (`math.abs`) is
/// referenced by its last part.
fn named(names: &[&str], f: &str) -> bool {
    names
        .iter()
        .any(|n| *n == f || n.rsplit_once('.').is_some_and(|(_, last)| last == f))
}

/// What expressions see: documents bound to names (`object`, `request`,
/// `params`...) and `variables`, the results of earlier expressions. The
/// documents are converted once, however many expressions are evaluated.
/// Build and use it inside [`on_stack`].
pub struct Activation {
    ctx: Context<'static, 'static>,
    variables: HashMap<String, Value>,
}

impl Default for Activation {
    fn default() -> Self {
        let mut ctx = Context::with_env(ENV.clone());
        kubernetes_library(&mut ctx);
        ctx.add_variable_from_value("variables", HashMap::<String, Value>::new());
        Activation {
            ctx,
            variables: HashMap::new(),
        }
    }
}

impl Activation {
    /// Binds `name` to `doc`.
    pub fn bind(&mut self, name: &str, doc: &Json) {
        self.ctx.add_variable_from_value(name, from_json(doc));
    }

    /// Sets `variables.NAME` for the expressions evaluated after.
    pub fn set_variable(&mut self, name: &str, value: Value) {
        self.variables.insert(name.to_string(), value);
        self.ctx
            .add_variable_from_value("variables", self.variables.clone());
    }
}

/// Evaluates `program` over `activation`. Call it inside [`on_stack`].
pub fn evaluate(program: &Program, activation: &Activation) -> Result<Value, String> {
    Value::resolve(&program.expr, &activation.ctx).map_err(|e| describe(&e))
}

type List = Arc<Vec<Value>>;

/// The functions of Kubernetes' lists and sets libraries: `isSorted`,
/// `sum`, `min`, `max` on a list; `sets.contains`, `sets.intersects`,
/// `sets.equivalent` of two lists.
fn kubernetes_library(ctx: &mut Context<'_, '_>) {
    let fail = |f: &str, why: &str| ExecutionError::function_error(f, why);
    let results = [
        ctx.add_function("isSorted", |This(l): This<List>| -> bool {
            l.windows(2).all(|w| w[0] <= w[1])
        }),
        ctx.add_function(
            "sum",
            move |This(l): This<List>| -> Result<Value, ExecutionError> {
                l.iter().try_fold(Value::Int(0), |acc, v| match (&acc, v) {
                    (Value::Int(a), Value::Int(b)) => a
                        .checked_add(*b)
                        .map(Value::Int)
                        .ok_or_else(|| fail("sum", "integer overflow")),
                    (Value::UInt(a), Value::UInt(b)) => a
                        .checked_add(*b)
                        .map(Value::UInt)
                        .ok_or_else(|| fail("sum", "integer overflow")),
                    (Value::Int(0), Value::UInt(b)) => Ok(Value::UInt(*b)),
                    (Value::Int(0), Value::Float(b)) => Ok(Value::Float(*b)),
                    (Value::Float(a), Value::Float(b)) => Ok(Value::Float(a + b)),
                    _ => Err(fail(
                        "sum",
                        "the list's elements are not numbers of one type",
                    )),
                })
            },
        ),
        ctx.add_function(
            "min",
            move |This(l): This<List>| -> Result<Value, ExecutionError> {
                extreme(&l, std::cmp::Ordering::Less)
                    .ok_or_else(|| fail("min", "the list is empty"))
            },
        ),
        ctx.add_function(
            "max",
            move |This(l): This<List>| -> Result<Value, ExecutionError> {
                extreme(&l, std::cmp::Ordering::Greater)
                    .ok_or_else(|| fail("max", "the list is empty"))
            },
        ),
        ctx.add_function("sets.contains", |a: List, b: List| -> bool {
            b.iter().all(|x| a.contains(x))
        }),
        ctx.add_function("sets.intersects", |a: List, b: List| -> bool {
            b.iter().any(|x| a.contains(x))
        }),
        ctx.add_function("sets.equivalent", |a: List, b: List| -> bool {
            b.iter().all(|x| a.contains(x)) && a.iter().all(|x| b.contains(x))
        }),
    ];
    for r in results {
        r.expect("Kubernetes' functions are not CEL's own");
    }
}

/// The least (`Less`) or greatest (`Greater`) element.
fn extreme(l: &[Value], want: std::cmp::Ordering) -> Option<Value> {
    let mut best = l.first()?;
    for v in &l[1..] {
        if v.partial_cmp(best) == Some(want) {
            best = v;
        }
    }
    Some(best.clone())
}

/// A JSON document as CEL sees a Kubernetes object: whole numbers are
/// `int` (as Kubernetes' int64 fields are), others `double`.
pub fn from_json(doc: &Json) -> Value {
    match doc {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => match n.as_u64() {
                Some(u) => Value::UInt(u),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
        },
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(items.iter().map(from_json).collect())),
        Json::Object(fields) => Value::from(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<HashMap<String, Value>>(),
        ),
    }
}

/// An evaluation error in the words cel-go uses where they differ.
fn describe(e: &ExecutionError) -> String {
    match e {
        ExecutionError::NoSuchKey(k) => format!("no such key: {k}"),
        other => other.to_string(),
    }
}

/// The value as a bool, or the error Kubernetes reports for another type.
pub fn as_bool(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!(
            "expression must evaluate to bool, got {}",
            type_name(other)
        )),
    }
}

/// The value as a string, or the error Kubernetes reports for another type.
pub fn as_string(v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::String(s) => Ok(Some(s.to_string())),
        Value::Null => Ok(None),
        other => Err(format!(
            "expression must evaluate to string, got {}",
            type_name(other)
        )),
    }
}

/// CEL's name of the value's type.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Int(_) => "int",
        Value::UInt(_) => "uint",
        Value::Float(_) => "double",
        Value::String(_) => "string",
        Value::Bytes(_) => "bytes",
        Value::Bool(_) => "bool",
        Value::Null => "null_type",
        _ => "dyn",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(source: &str, object: Json) -> Result<Value, String> {
        let p = compile(source)?;
        on_stack(|| {
            let mut a = Activation::default();
            a.bind("object", &object);
            evaluate(&p, &a)
        })
    }

    #[test]
    fn evaluates_over_json_with_macros_optionals_and_libraries() {
        let o = json!({"metadata": {"name": "web", "labels": {"env": "prod"}},
            "spec": {"replicas": 3, "containers": [{"image": "prod.example.com/a"}]}});
        let t = |s: &str| run(s, o.clone());
        assert_eq!(t("object.spec.replicas <= 5"), Ok(Value::Bool(true)));
        assert_eq!(t("object.spec.replicas > 2.5"), Ok(Value::Bool(true)));
        assert_eq!(
            t("object.spec.containers.all(c, c.image.startsWith('prod.'))"),
            Ok(Value::Bool(true))
        );
        assert_eq!(t("has(object.spec.paused)"), Ok(Value::Bool(false)));
        assert_eq!(
            t("!('x' in object.metadata.labels) && -object.spec.replicas < 0"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            t("object.?spec.paused.orValue(false)"),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            t("'env' in object.metadata.labels ? object.metadata.labels['env'].upperAscii() : ''"),
            Ok(Value::String(Arc::new("PROD".into())))
        );
        assert_eq!(
            t("[1, 3, 3].isSorted() && ![2, 1].isSorted() && [1, 2, 3].sum() == 6"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            t("[3, 1, 2].min() == 1 && ['b', 'c', 'a'].max() == 'c' && [0.5, 1.5].sum() == 2.0"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            t(
                "sets.contains([1, 2, 3], [3, 1]) && !sets.contains([1], [2]) \
               && sets.intersects([1, 2], [2, 9]) && sets.equivalent([1, 2], [2, 1, 1])"
            ),
            Ok(Value::Bool(true))
        );
        assert!(t("[].min()").unwrap_err().contains("empty"));
        assert_eq!(
            t("object.spec.nope == 1"),
            Err("no such key: nope".to_string())
        );
    }

    #[test]
    fn compile_refuses_syntax_and_undeclared_functions_by_name() {
        let e = compile("object.spec +").unwrap_err();
        assert!(e.starts_with("compilation failed: "), "{e}");
        assert!(e.contains("<input>:1:"), "{e}");
        assert_eq!(
            compile("object.metadata.name.startWith('demo')").unwrap_err(),
            "compilation failed: ERROR: undeclared reference to 'startWith'"
        );
        let e = compile("quantity(object.spec.x) > quantity('1Gi')").unwrap_err();
        assert!(
            e.contains("'quantity'") && e.contains("not supported by ork yet"),
            "{e}"
        );
        let e = compile(&"1 + ".repeat(2000)).unwrap_err();
        assert!(e.contains("ork compiles at most"), "{e}");
    }

    #[test]
    fn every_declared_function_is_in_the_environment() {
        // A call with wrong arguments fails, but never as undeclared.
        for f in DECLARED {
            let mut forms = vec![format!("{f}(1)")];
            if !f.contains('.') {
                forms.push(format!("x.{f}(1)"));
            }
            for source in forms.iter() {
                let p = compile(source).unwrap();
                let r = on_stack(|| {
                    let x = json!("x");
                    let mut a = Activation::default();
                    a.bind("x", &x);
                    evaluate(&p, &a)
                });
                if !matches!(&r, Err(e) if e.starts_with("Undeclared reference")) {
                    break;
                }
                if source == forms.last().unwrap() {
                    panic!("{f} is not declared: {r:?}");
                }
            }
        }
    }

    #[test]
    fn a_thread_that_declared_a_deep_stack_evaluates_itself() {
        let here = || std::thread::current().id();
        let outer = here();
        assert_ne!(on_stack(here), outer, "an ordinary thread hands off");
        std::thread::Builder::new()
            .stack_size(STACK)
            .spawn(move || {
                declare_deep_stack();
                let me = here();
                assert_eq!(on_stack(here), me);
                let deep = vec!["1"; 90].join(" + ");
                assert_eq!(run(&deep, json!({})), Ok(Value::Int(90)));
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn deep_expressions_run_on_their_own_stack() {
        let deep = vec!["1"; 90].join(" + ");
        assert_eq!(run(&deep, json!({})), Ok(Value::Int(90)));
        let nested = format!("{}1{}", "[".repeat(90), "]".repeat(90));
        assert!(run(&format!("size({nested}) == 1"), json!({})).is_ok());
        assert!(compile(&format!("{}1{}", "(".repeat(200), ")".repeat(200))).is_err());
    }
}
