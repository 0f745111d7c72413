//! The vocabulary schemas are written in: complex types with their attributes and content
//! models, simple types, and the few `const fn` helpers that keep the tables short.
//!
//! This is the subset of XML Schema the package schemas use: sequences and choices with
//! occurrence bounds, element particles, `xs:any` (always `##any`, `processContents="skip"`),
//! `xs:anyAttribute` (likewise), mixed content, and attributes of built-in or named simple
//! types (string restrictions with enumerations, or without facets).

/// `maxOccurs="unbounded"`.
pub const UNBOUNDED: u32 = u32::MAX;

/// A complex type.
#[derive(Debug)]
pub struct ComplexType {
    pub name: &'static str,
    /// Declared attributes in schema order (the order required attributes are checked in).
    pub attributes: &'static [AttributeDecl],
    /// `xs:anyAttribute namespace="##any" processContents="skip"`: any other attribute passes.
    pub any_attribute: bool,
    pub content: Content,
}

/// What may appear between a start tag and its end tag.
#[derive(Debug)]
pub enum Content {
    /// Nothing (whitespace is tolerated: see the module docs of `validator`).
    Empty,
    /// Child elements by a content model; text other than whitespace is an error.
    Elements(Group),
    /// Child elements by a content model, with text anywhere.
    Mixed(Group),
}

/// A sequence or choice with occurrence bounds.
#[derive(Debug)]
pub struct Group {
    pub kind: Compositor,
    pub min: u32,
    pub max: u32,
    pub particles: &'static [Particle],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compositor {
    Sequence,
    Choice,
}

#[derive(Debug)]
pub enum Particle {
    Element {
        name: &'static str,
        ty: &'static ComplexType,
        min: u32,
        max: u32,
    },
    /// `xs:any namespace="##any" processContents="skip"`: any element, its subtree unchecked.
    Any {
        min: u32,
        max: u32,
    },
    Group(Group),
}

#[derive(Debug)]
pub struct AttributeDecl {
    pub name: &'static str,
    pub ty: SimpleType,
    pub required: bool,
}

/// An attribute's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimpleType {
    /// `xs:string`, or a named restriction of it without facets (`Guid`, `SPListTemplateType`):
    /// every value passes.
    String,
    Builtin(Builtin),
    Enumeration(&'static Enumeration),
}

/// The built-in types the schemas use, other than `xs:string`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Boolean,
    Int,
    Short,
    Byte,
    UnsignedByte,
    Float,
    DateTime,
}

/// A named restriction of `xs:string` by enumeration.
#[derive(Debug, PartialEq, Eq)]
pub struct Enumeration {
    /// The qualified name .NET prints: `namespace:Name`.
    pub qualified_name: &'static str,
    pub values: &'static [&'static str],
}

/// A schema for one kind of package file: its root element and where it lives.
#[derive(Debug)]
pub struct Schema {
    /// `None` for ArchivedFiles.xml, which has no namespace.
    pub namespace: Option<&'static str>,
    pub root: &'static str,
    pub root_type: &'static ComplexType,
}

// Helpers for the tables.

pub const fn optional(name: &'static str, ty: SimpleType) -> AttributeDecl {
    AttributeDecl { name, ty, required: false }
}

pub const fn required(name: &'static str, ty: SimpleType) -> AttributeDecl {
    AttributeDecl { name, ty, required: true }
}

pub const fn element(name: &'static str, ty: &'static ComplexType, min: u32, max: u32) -> Particle {
    Particle::Element { name, ty, min, max }
}

pub const fn sequence(min: u32, max: u32, particles: &'static [Particle]) -> Group {
    Group { kind: Compositor::Sequence, min, max, particles }
}

pub const fn choice(min: u32, max: u32, particles: &'static [Particle]) -> Group {
    Group { kind: Compositor::Choice, min, max, particles }
}

/// `<xs:sequence><xs:any … minOccurs="0" maxOccurs="unbounded"/></xs:sequence>`.
pub const ANY_CHILDREN: Content = Content::Elements(sequence(1, 1, &[Particle::Any { min: 0, max: UNBOUNDED }]));

/// A type with attributes only.
pub const fn empty(name: &'static str, attributes: &'static [AttributeDecl]) -> ComplexType {
    ComplexType { name, attributes, any_attribute: false, content: Content::Empty }
}

/// A type whose only content is a list of one element (`<Users><User/>…</Users>`).
pub const fn list_of(name: &'static str, particle: &'static [Particle]) -> ComplexType {
    ComplexType { name, attributes: &[], any_attribute: false, content: Content::Elements(sequence(1, 1, particle)) }
}

pub const STRING: SimpleType = SimpleType::String;
pub const BOOLEAN: SimpleType = SimpleType::Builtin(Builtin::Boolean);
pub const INT: SimpleType = SimpleType::Builtin(Builtin::Int);
pub const SHORT: SimpleType = SimpleType::Builtin(Builtin::Short);
pub const BYTE: SimpleType = SimpleType::Builtin(Builtin::Byte);
pub const UNSIGNED_BYTE: SimpleType = SimpleType::Builtin(Builtin::UnsignedByte);
pub const FLOAT: SimpleType = SimpleType::Builtin(Builtin::Float);
pub const DATE_TIME: SimpleType = SimpleType::Builtin(Builtin::DateTime);
/// The schemas' `Guid` is a restriction of `xs:string` without a pattern: any value passes.
pub const GUID: SimpleType = SimpleType::String;
