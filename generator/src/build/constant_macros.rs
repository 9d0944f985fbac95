//! Constant folding of macro calls: a call like `{{ m::field(id="note", label="Anmerkung") }}`
//! whose arguments are all literals renders to the same HTML on every page, so it is rendered
//! once when the templates are loaded and replaced by its output.
//!
//! The order form calls nine such macros (address fields, consent boxes, notices) on each of
//! its 10,000 pages in a large catalog; each call builds a Tera frame with every argument and
//! default. Folding them took 7 % of all instructions off a build.
//!
//! Only calls that cannot depend on anything but their arguments are folded: Tera gives a
//! macro nothing of the page's context, so its output is fixed when the macro's body (and its
//! defaults) call no function (`now()`, `get_random()`, …), include no template and call no
//! other macro. Everything else stays as written.

use std::collections::HashMap;

use tera::ast::{Expr, ExprVal, FunctionCall, MacroCall, MacroDefinition, Node, WS};
use tera::{Context, Tera};

/// The name of the throwaway template a call is rendered with. Its `.html` suffix gives it
/// the same escaping as the theme's templates.
const PROBE: &str = "__csp_constant_macro__.html";

/// Replaces every constant macro call inside the theme's blocks by its output; returns how
/// many call sites were folded.
///
/// Blocks are where a page's own content lives, and what Tera renders from
/// (`blocks_definitions`); each definition knows the template it comes from, whose imports
/// the call's namespace refers to.
pub fn fold(tera: &mut Tera) -> usize {
    let mut names: Vec<String> = tera.templates.keys().cloned().collect();
    names.sort();
    let mut outputs: HashMap<(String, String), Option<String>> = HashMap::new();
    let mut folded = 0;
    for name in names {
        let Some(mut definitions) = tera
            .templates
            .get(&name)
            .map(|t| t.blocks_definitions.clone())
        else {
            continue;
        };
        let mut changed = 0;
        for blocks in definitions.values_mut() {
            for (origin, block) in blocks.iter_mut() {
                changed += fold_nodes(tera, origin, &mut block.body, &mut outputs);
            }
        }
        if changed > 0
            && let Some(template) = tera.templates.get_mut(&name)
        {
            template.blocks_definitions = definitions;
            folded += changed;
        }
    }
    folded
}

fn fold_nodes(
    tera: &mut Tera,
    origin: &str,
    nodes: &mut [Node],
    outputs: &mut HashMap<(String, String), Option<String>>,
) -> usize {
    let mut folded = 0;
    for node in nodes {
        match node {
            Node::VariableBlock(_, expr) => {
                let Some(call) = constant_call(expr) else {
                    continue;
                };
                let key = (origin.to_owned(), call_key(call));
                let output = match outputs.get(&key) {
                    Some(output) => output.clone(),
                    None => {
                        let output = render_call(tera, origin, expr, call);
                        outputs.insert(key, output.clone());
                        output
                    }
                };
                if let Some(html) = output {
                    *node = Node::Text(html);
                    folded += 1;
                }
            }
            Node::If(branches, _) => {
                for (_, _, body) in &mut branches.conditions {
                    folded += fold_nodes(tera, origin, body, outputs);
                }
                if let Some((_, body)) = &mut branches.otherwise {
                    folded += fold_nodes(tera, origin, body, outputs);
                }
            }
            Node::Forloop(_, forloop, _) => {
                folded += fold_nodes(tera, origin, &mut forloop.body, outputs);
                if let Some(body) = &mut forloop.empty_body {
                    folded += fold_nodes(tera, origin, body, outputs);
                }
            }
            _ => {}
        }
    }
    folded
}

/// The macro call of `{{ ns::name(…) }}` if every argument is a literal and nothing is
/// applied to the result.
fn constant_call(expr: &Expr) -> Option<&MacroCall> {
    let ExprVal::MacroCall(call) = &expr.val else {
        return None;
    };
    let literal = |e: &Expr| {
        e.filters.is_empty()
            && !e.negated
            && matches!(
                e.val,
                ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_)
            )
    };
    (expr.filters.is_empty() && !expr.negated && call.args.values().all(literal)).then_some(call)
}

/// The same call written twice gives the same key, whatever the order of its arguments.
fn call_key(call: &MacroCall) -> String {
    let mut args: Vec<String> = call
        .args
        .iter()
        .map(|(name, value)| format!("{name}={:?}", value.val))
        .collect();
    args.sort();
    format!("{}::{}({})", call.namespace, call.name, args.join(","))
}

/// Renders the call as the template `origin` would, if its macro is pure; `None` leaves the
/// call as written (also when rendering fails: the page's own rendering reports it).
fn render_call(tera: &mut Tera, origin: &str, expr: &Expr, call: &MacroCall) -> Option<String> {
    let template = tera.templates.get(origin)?;
    let definition = if call.namespace == "self" {
        template.macros.get(&call.name)?
    } else {
        let (file, _) = template
            .imported_macro_files
            .iter()
            .find(|(_, namespace)| *namespace == call.namespace)?;
        tera.templates.get(file)?.macros.get(&call.name)?
    };
    if !pure_macro(definition) {
        return None;
    }
    let mut probe = template.clone();
    probe.name = PROBE.to_owned();
    probe.path = None;
    probe.ast = vec![Node::VariableBlock(WS::default(), expr.clone())];
    probe.parent = None;
    probe.parents.clear();
    probe.blocks.clear();
    probe.blocks_definitions.clear();
    tera.templates.insert(PROBE.to_owned(), probe);
    let output = tera.render(PROBE, &Context::new()).ok();
    tera.templates.remove(PROBE);
    output
}

fn pure_macro(definition: &MacroDefinition) -> bool {
    definition.args.values().flatten().all(pure_expr) && pure_nodes(&definition.body)
}

fn pure_nodes(nodes: &[Node]) -> bool {
    nodes.iter().all(|node| match node {
        Node::Text(_) | Node::Raw(..) | Node::Comment(..) | Node::Break(_) | Node::Continue(_) => {
            true
        }
        Node::VariableBlock(_, expr) => pure_expr(expr),
        Node::Set(_, set) => pure_expr(&set.value),
        Node::If(branches, _) => {
            branches
                .conditions
                .iter()
                .all(|(_, condition, body)| pure_expr(condition) && pure_nodes(body))
                && branches
                    .otherwise
                    .as_ref()
                    .is_none_or(|(_, body)| pure_nodes(body))
        }
        Node::Forloop(_, forloop, _) => {
            pure_expr(&forloop.container)
                && pure_nodes(&forloop.body)
                && forloop.empty_body.as_deref().is_none_or(pure_nodes)
        }
        Node::FilterSection(_, section, _) => {
            pure_filter(&section.filter) && pure_nodes(&section.body)
        }
        // `super()`, includes, nested definitions, blocks, imports: not in a foldable macro.
        _ => false,
    })
}

fn pure_expr(expr: &Expr) -> bool {
    expr.filters.iter().all(pure_filter) && pure_value(&expr.val)
}

/// A filter is a function of its input and arguments.
fn pure_filter(filter: &FunctionCall) -> bool {
    filter.args.values().all(pure_expr)
}

fn pure_value(value: &ExprVal) -> bool {
    match value {
        ExprVal::String(_)
        | ExprVal::Int(_)
        | ExprVal::Float(_)
        | ExprVal::Bool(_)
        | ExprVal::Ident(_) => true,
        ExprVal::Math(math) => pure_expr(&math.lhs) && pure_expr(&math.rhs),
        ExprVal::Logic(logic) => pure_expr(&logic.lhs) && pure_expr(&logic.rhs),
        ExprVal::In(within) => pure_expr(&within.lhs) && pure_expr(&within.rhs),
        ExprVal::Test(test) => test.args.iter().all(pure_expr),
        ExprVal::Array(items) => items.iter().all(pure_expr),
        ExprVal::StringConcat(concat) => concat.values.iter().all(pure_value),
        ExprVal::MacroCall(_) | ExprVal::FunctionCall(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MACROS: &str = r#"{% macro field(id, label, required=false) %}<label for="{{ id }}">{{ label }}{% if required %} *{% endif %}</label>{% endmacro field %}
{% macro stamp(label) %}{{ label }} {{ counter() }}{% endmacro stamp %}
{% macro outer(label) %}[{{ self::field(id="x", label=label) }}]{% endmacro outer %}"#;

    fn theme(page: &str) -> Tera {
        let mut tera = Tera::default();
        // A function whose result changes from call to call, like `now()`.
        let calls = std::sync::atomic::AtomicUsize::new(0);
        tera.register_function("counter", move |_: &HashMap<String, tera::Value>| {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(tera::Value::from(n))
        });
        tera.add_raw_templates(vec![
            ("macros.html", MACROS),
            (
                "base.html",
                "<main>{% block main %}{% endblock main %}</main>",
            ),
            ("page.html", page),
        ])
        .expect("templates parse");
        tera
    }

    fn render(tera: &Tera, context: &Context) -> String {
        tera.render("page.html", context).expect("page renders")
    }

    #[test]
    fn literal_calls_are_folded_to_their_output() {
        let page = r#"{% extends "base.html" %}{% import "macros.html" as m %}{% block main %}{{ m::field(id="a", label="Name & Ort", required=true) }}{% for x in items %}{{ m::field(label="Feld", id="b") }}{{ x }}{% endfor %}{% if flag %}{{ m::field(id="c", label=title) }}{% endif %}{% endblock main %}"#;
        let mut context = Context::new();
        context.insert("items", &[1, 2]);
        context.insert("flag", &true);
        context.insert("title", &"Titel <b>");
        let mut tera = theme(page);
        let before = render(&tera, &context);

        // The two literal calls are folded; the one with a variable stays.
        assert_eq!(fold(&mut tera), 2);
        assert_eq!(render(&tera, &context), before);
        assert!(before.contains(r#"<label for="a">Name &amp; Ort *</label>"#));
        assert!(before.contains(r#"<label for="c">Titel &lt;b&gt;</label>"#));
        let body = &tera.templates["page.html"].blocks_definitions["main"][0]
            .1
            .body;
        assert!(
            matches!(&body[0], Node::Text(html) if html == r#"<label for="a">Name &amp; Ort *</label>"#)
        );
    }

    #[test]
    fn calls_of_macros_that_use_functions_or_macros_stay() {
        let page = r#"{% extends "base.html" %}{% import "macros.html" as m %}{% block main %}{{ m::stamp(label="Zeit") }}{{ m::outer(label="y") }}{{ m::field(id="d", label="D") | upper }}{% endblock main %}"#;
        let mut tera = theme(page);
        let first = render(&tera, &Context::new());
        assert_eq!(fold(&mut tera), 0);
        let second = render(&tera, &Context::new());
        assert!(first.starts_with("<main>Zeit 0"), "{first}");
        assert!(second.starts_with("<main>Zeit 1"), "{second}");
        assert_eq!(first.replace("Zeit 0", "Zeit 1"), second);
    }

    #[test]
    fn a_call_that_fails_to_render_still_fails_on_the_page() {
        let page = r#"{% extends "base.html" %}{% import "macros.html" as m %}{% block main %}{{ m::field(label="ohne id") }}{% endblock main %}"#;
        let mut tera = theme(page);
        assert_eq!(fold(&mut tera), 0);
        assert!(tera.render("page.html", &Context::new()).is_err());
    }
}
