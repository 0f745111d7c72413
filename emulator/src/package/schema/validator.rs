//! Validation of element trees against a [`Schema`], stopping at the first error as .NET's
//! validating reader does when no event handler is attached, in the same order .NET checks:
//! the element's place in its parent, its attributes in document order, its required
//! attributes, then its text and children, and at its end whether its content is complete.
//!
//! Deliberate leniency: whitespace inside an element whose content model is empty is accepted
//! (.NET refuses it only when the reader reports whitespace nodes, which depends on settings
//! the service's are not on record for).

use std::collections::HashMap;
use std::rc::Rc;

use super::automaton::{Automaton, Expected, Matched, Position};
use super::model::{ComplexType, Content, Group, Schema, SimpleType};
use super::types;
use crate::package::xml::{Attribute, Element, XML_NAMESPACE};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The first way a document breaks its schema: `message` is .NET's
/// `XmlSchemaValidationException.Message`; the position is where the offending node starts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SchemaError {
    pub kind: SchemaErrorKind,
    /// The element the error is about (for a child in the wrong place, its parent).
    pub element: String,
    pub message: String,
    pub line: u64,
    pub column: u64,
}

/// What kind of rule was broken, for reports that sort errors by cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaErrorKind {
    UndeclaredElement,
    UndeclaredAttribute {
        attribute: String,
    },
    MissingAttribute,
    /// A value not of its type; `enumeration` when the type is an enumeration.
    Datatype {
        enumeration: bool,
    },
    InvalidChild,
    IncompleteContent,
    Text,
}

/// Validates documents of one schema; compiled content models are kept between calls.
pub struct Validator {
    schema: &'static Schema,
    automata: HashMap<*const Group, Rc<Automaton>>,
}

/// Progress through the root element's content, for documents read child by child.
pub struct RootProgress {
    automaton: Rc<Automaton>,
    at: Position,
}

impl Validator {
    pub fn new(schema: &'static Schema) -> Validator {
        Validator { schema, automata: HashMap::new() }
    }

    /// A whole document.
    pub fn document(&mut self, root: &Element) -> Result<(), SchemaError> {
        self.check_root_name(root)?;
        self.element(root, self.schema.root_type)
    }

    /// The root's start tag: its name and attributes. Its children follow through
    /// [`Validator::child`], then [`Validator::finish`].
    pub fn start(&mut self, root: &Element) -> Result<RootProgress, SchemaError> {
        self.check_root_name(root)?;
        let ty = self.schema.root_type;
        self.attributes(root, ty)?;
        let group = match &ty.content {
            Content::Elements(group) | Content::Mixed(group) => group,
            Content::Empty => unreachable!("package roots have element content"),
        };
        let automaton = self.automaton(group);
        Ok(RootProgress { at: automaton.start(), automaton })
    }

    /// One child of the root, with its whole subtree.
    pub fn child(&mut self, progress: &mut RootProgress, root: &Element, child: &Element) -> Result<(), SchemaError> {
        let automaton = progress.automaton.clone();
        match self.step(&automaton, &progress.at, root, child)? {
            (next, Matched::Element(ty)) => {
                progress.at = next;
                self.element(child, ty)
            }
            (next, Matched::Any) => {
                progress.at = next;
                Ok(())
            }
        }
    }

    /// The root's end tag.
    pub fn finish(&mut self, progress: RootProgress, root: &Element) -> Result<(), SchemaError> {
        self.complete(&progress.automaton, &progress.at, root)
    }

    fn check_root_name(&self, root: &Element) -> Result<(), SchemaError> {
        if root.name == self.schema.root && root.namespace.as_deref() == self.schema.namespace {
            return Ok(());
        }
        let message = format!("The '{}' element is not declared.", qualified(root));
        Err(error(SchemaErrorKind::UndeclaredElement, root, message, root.line, root.column))
    }

    fn automaton(&mut self, group: &'static Group) -> Rc<Automaton> {
        self.automata.entry(group as *const Group).or_insert_with(|| Rc::new(Automaton::compile(group))).clone()
    }

    /// An element whose place in its parent was checked, against its type.
    fn element(&mut self, element: &Element, ty: &'static ComplexType) -> Result<(), SchemaError> {
        self.attributes(element, ty)?;
        match &ty.content {
            Content::Empty => {
                if let Some(child) = element.children.first() {
                    return Err(error(
                        SchemaErrorKind::InvalidChild,
                        element,
                        format!(
                            "The element '{}' cannot contain child element '{}' because the parent element's content model is empty.",
                            qualified(element),
                            qualified(child)
                        ),
                        child.line,
                        child.column,
                    ));
                }
                if element.text_after.is_some() {
                    let message = "The element cannot contain text. Content model is empty.";
                    return Err(error(SchemaErrorKind::Text, element, message, element.line, element.column));
                }
                Ok(())
            }
            Content::Elements(group) => self.children(element, group, false),
            Content::Mixed(group) => self.children(element, group, true),
        }
    }

    fn children(&mut self, element: &Element, group: &'static Group, mixed: bool) -> Result<(), SchemaError> {
        let automaton = self.automaton(group);
        let mut at = automaton.start();
        for (index, child) in element.children.iter().enumerate() {
            if !mixed && element.text_after == Some(index) {
                return Err(self.text_error(element, &automaton.expected(&at)));
            }
            let (next, matched) = self.step(&automaton, &at, element, child)?;
            if let Matched::Element(ty) = matched {
                self.element(child, ty)?;
            }
            at = next;
        }
        if !mixed && element.text_after == Some(element.children.len()) {
            return Err(self.text_error(element, &automaton.expected(&at)));
        }
        self.complete(&automaton, &at, element)
    }

    fn step(
        &self,
        automaton: &Automaton,
        at: &Position,
        parent: &Element,
        child: &Element,
    ) -> Result<(Position, Matched), SchemaError> {
        let in_namespace = child.namespace.as_deref() == self.schema.namespace;
        let stepped = if in_namespace { automaton.step(at, &child.name) } else { None };
        stepped.ok_or_else(|| {
            let expected = automaton.expected(at);
            let mut message =
                format!("The element {} has invalid child element {}", self.display(parent), self.display(child));
            if expected.is_empty() {
                message.push('.');
            } else {
                message.push_str(&format!(". List of possible elements expected: {}.", self.list(&expected)));
            }
            error(SchemaErrorKind::InvalidChild, parent, message, child.line, child.column)
        })
    }

    fn complete(&self, automaton: &Automaton, at: &Position, element: &Element) -> Result<(), SchemaError> {
        if automaton.accepts(at) {
            return Ok(());
        }
        let expected = automaton.expected(at);
        let message = format!(
            "The element {} has incomplete content. List of possible elements expected: {}.",
            self.display(element),
            self.list(&expected)
        );
        Err(error(SchemaErrorKind::IncompleteContent, element, message, element.line, element.column))
    }

    /// Attributes in document order, then the required ones in schema order.
    fn attributes(&self, element: &Element, ty: &'static ComplexType) -> Result<(), SchemaError> {
        for attribute in &element.attributes {
            self.attribute(element, attribute, ty)?;
        }
        for declared in ty.attributes.iter().filter(|d| d.required) {
            if element.attr(declared.name).is_none() {
                let message = format!("The required attribute '{}' is missing.", declared.name);
                return Err(error(SchemaErrorKind::MissingAttribute, element, message, element.line, element.column));
            }
        }
        Ok(())
    }

    fn attribute(&self, element: &Element, attribute: &Attribute, ty: &'static ComplexType) -> Result<(), SchemaError> {
        let undeclared = |name: String| {
            let kind = SchemaErrorKind::UndeclaredAttribute { attribute: attribute.name.clone() };
            Err(error(
                kind,
                element,
                format!("The '{name}' attribute is not declared."),
                attribute.line,
                attribute.column,
            ))
        };
        match attribute.namespace.as_deref() {
            None => match ty.attributes.iter().find(|d| d.name == attribute.name) {
                Some(declared) => types::check(declared.ty, &attribute.value).map_err(|failure| {
                    let enumeration = matches!(declared.ty, SimpleType::Enumeration(_));
                    error(
                        SchemaErrorKind::Datatype { enumeration },
                        element,
                        format!(
                            "The '{}' attribute is invalid - The value '{}' is invalid according to its datatype '{}' - {}",
                            attribute.name, attribute.value, failure.type_name, failure.reason
                        ),
                        attribute.line,
                        attribute.column,
                    )
                }),
                None if ty.any_attribute => Ok(()),
                None => undeclared(attribute.name.clone()),
            },
            Some(XSI) if matches!(attribute.name.as_str(), "type" | "nil" | "schemaLocation" | "noNamespaceSchemaLocation") => {
                Ok(())
            }
            Some(XSI) => Err(error(
                SchemaErrorKind::UndeclaredAttribute { attribute: attribute.name.clone() },
                element,
                format!(
                    "The attribute '{XSI}:{}' does not match one of the four allowed attributes in the 'xsi' namespace.",
                    attribute.name
                ),
                attribute.line,
                attribute.column,
            )),
            Some(XML_NAMESPACE) if matches!(attribute.name.as_str(), "lang" | "space" | "base") => Ok(()),
            Some(_) if ty.any_attribute => Ok(()),
            Some(namespace) => undeclared(format!("{namespace}:{}", attribute.name)),
        }
    }

    /// Character data where the content model allows only elements.
    fn text_error(&self, element: &Element, expected: &Expected) -> SchemaError {
        let name = self.display(element);
        let message = if expected.is_empty() {
            format!("The element {name} cannot contain text.")
        } else {
            format!(
                "The element {name} cannot contain text. List of possible elements expected: {}.",
                self.list(expected)
            )
        };
        error(SchemaErrorKind::Text, element, message, element.line, element.column)
    }

    /// An element as content-model messages name it: `'X' in namespace 'ns'`, or `'X'`.
    fn display(&self, element: &Element) -> String {
        match &element.namespace {
            Some(namespace) => format!("'{}' in namespace '{namespace}'", element.name),
            None => format!("'{}'", element.name),
        }
    }

    /// "List of possible elements expected": the names in one quote with their namespace, then
    /// the wildcard.
    fn list(&self, expected: &Expected) -> String {
        let mut parts = Vec::new();
        if !expected.names.is_empty() {
            let names = expected.names.join(", ");
            parts.push(match self.schema.namespace {
                Some(namespace) => format!("'{names}' in namespace '{namespace}'"),
                None => format!("'{names}'"),
            });
        }
        if expected.any {
            parts.push("any element in namespace '##any'".into());
        }
        parts.join(" as well as ")
    }
}

/// `namespace:local`, as .NET prints qualified names (no braces, no prefix).
fn qualified(element: &Element) -> String {
    match &element.namespace {
        Some(namespace) => format!("{namespace}:{}", element.name),
        None => element.name.clone(),
    }
}

fn error(kind: SchemaErrorKind, element: &Element, message: impl Into<String>, line: u64, column: u64) -> SchemaError {
    SchemaError { kind, element: element.name.clone(), message: message.into(), line, column }
}
