//! The schema registry: one definition of each resource's attributes, from which `/Schemas`,
//! `/ResourceTypes` and `/ServiceProviderConfig` are generated and against which requests are
//! checked.

use crate::error::{grouped, Result, ScimError};
use crate::path::AttrPath;

/// RFC 7643 §2.3 attribute data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// What a filter evaluator or translator needs to know about one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrInfo {
    pub ty: AttrType,
    pub case_exact: bool,
    pub multi_valued: bool,
}

/// Looks attribute paths up in a resource's schemas.
pub trait AttributeTypes {
    /// The URN of the resource's core schema (its attributes live at the top level of the JSON).
    fn core_schema(&self) -> &str;
    /// Type information of `path` (URN, attribute and sub-attribute compared case-insensitively),
    /// or `None` when no schema defines it.
    fn attr_info(&self, path: &AttrPath) -> Option<AttrInfo>;
}

/// RFC 7643 §7 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// RFC 7643 §7 `returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// RFC 7643 §7 `uniqueness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

impl Mutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

impl Returned {
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

impl Uniqueness {
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// One attribute definition (RFC 7643 §7).
#[derive(Debug, Clone, PartialEq)]
pub struct AttrDef {
    pub name: String,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub description: String,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: Vec<String>,
    pub reference_types: Vec<String>,
    pub sub_attributes: Vec<AttrDef>,
}

impl AttrDef {
    fn new(name: &str, ty: AttrType, description: &str) -> Self {
        AttrDef {
            name: name.to_owned(),
            ty,
            multi_valued: false,
            description: description.to_owned(),
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }
    pub fn string(name: &str, description: &str) -> Self {
        Self::new(name, AttrType::String, description)
    }
    pub fn boolean(name: &str, description: &str) -> Self {
        Self::new(name, AttrType::Boolean, description)
    }
    pub fn date_time(name: &str, description: &str) -> Self {
        Self::new(name, AttrType::DateTime, description)
    }
    pub fn binary(name: &str, description: &str) -> Self {
        Self::new(name, AttrType::Binary, description)
    }
    pub fn reference(name: &str, types: &[&str], description: &str) -> Self {
        let mut a = Self::new(name, AttrType::Reference, description);
        a.reference_types = types.iter().map(|s| (*s).to_owned()).collect();
        a.case_exact = true;
        a
    }
    pub fn complex(name: &str, description: &str, subs: Vec<AttrDef>) -> Self {
        let mut a = Self::new(name, AttrType::Complex, description);
        a.sub_attributes = subs;
        a
    }
    pub fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    pub fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    pub fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    pub fn unique(mut self) -> Self {
        self.uniqueness = Uniqueness::Server;
        self
    }
    pub fn canonical(mut self, values: &[&str]) -> Self {
        self.canonical_values = values.iter().map(|s| (*s).to_owned()).collect();
        self
    }
    pub fn read_only(self) -> Self {
        self.mutability(Mutability::ReadOnly)
    }

    /// The sub-attribute called `name` (case-insensitive).
    pub fn sub(&self, name: &str) -> Option<&AttrDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn info(&self) -> AttrInfo {
        AttrInfo {
            ty: self.ty,
            case_exact: self.case_exact,
            multi_valued: self.multi_valued,
        }
    }

    /// The RFC 7643 §7 representation used by `/Schemas`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "name": self.name,
            "type": self.ty.as_str(),
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability.as_str(),
            "returned": self.returned.as_str(),
            "uniqueness": self.uniqueness.as_str(),
        });
        if !self.canonical_values.is_empty() {
            v["canonicalValues"] = serde_json::json!(self.canonical_values);
        }
        if !self.reference_types.is_empty() {
            v["referenceTypes"] = serde_json::json!(self.reference_types);
        }
        if !self.sub_attributes.is_empty() {
            v["subAttributes"] = self
                .sub_attributes
                .iter()
                .map(AttrDef::to_json)
                .collect::<Vec<_>>()
                .into();
        }
        v
    }
}

/// A schema: an id (URN) and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub id: String,
    pub name: String,
    pub description: String,
    pub attributes: Vec<AttrDef>,
}

impl Schema {
    pub fn attr(&self, name: &str) -> Option<&AttrDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn to_json(&self, base_url: &str) -> serde_json::Value {
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(AttrDef::to_json).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "Schema",
                "location": format!("{base_url}/Schemas/{}", self.id),
            },
        })
    }
}

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// The default [`Limits::max_operations`].
pub const MAX_OPERATIONS: usize = 1_000;
/// The default [`Limits::max_values`].
pub const MAX_VALUES: usize = 1_000;

/// How much one request may ask of the server, so that a hostile client cannot make a single
/// request expensive. The defaults are far above what identity providers send: Okta puts at
/// most 256 group members in one PATCH, Entra one operation per changed attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Operations in one PATCH request.
    pub max_operations: usize,
    /// Values of one multi-valued attribute: given in one request (a POST or PUT body, a PATCH
    /// operation's value), and held once a PATCH operation has added to it.
    pub max_values: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: MAX_OPERATIONS,
            max_values: MAX_VALUES,
        }
    }
}

impl Limits {
    /// Refuses `given` values for the multi-valued attribute `attr` in one request.
    pub(crate) fn check_given(&self, attr: &str, given: usize) -> Result<()> {
        if given > self.max_values {
            return Err(ScimError::invalid_value(format!(
                "'{attr}' is given {} values; at most {} are accepted in one request",
                grouped(given),
                grouped(self.max_values)
            )));
        }
        Ok(())
    }

    /// Refuses a change that made `attr` hold more values than allowed. A resource that
    /// already held too many (stored under other limits) can still lose values or be left
    /// alone: only growth beyond the limit is refused.
    pub(crate) fn check_held(&self, attr: &str, before: usize, after: usize) -> Result<()> {
        if after > self.max_values && after > before {
            return Err(ScimError::invalid_value(format!(
                "'{attr}' would hold {} values; at most {} are accepted",
                grouped(after),
                grouped(self.max_values)
            )));
        }
        Ok(())
    }
}

/// A resource type: its endpoint, core schema and extensions.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSchema {
    pub name: String,
    pub endpoint: String,
    pub description: String,
    pub core: Schema,
    /// Extension schemas and whether each is required.
    pub extensions: Vec<(Schema, bool)>,
    /// The attributes every resource has (RFC 7643 §3.1): `id`, `externalId`, `meta`.
    pub common: Vec<AttrDef>,
    /// What one request may ask of this resource type.
    pub limits: Limits,
}

/// Where an attribute lives: in the core schema (top level) or under an extension URN key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Namespace<'a> {
    Core,
    Extension(&'a Schema),
}

impl ResourceSchema {
    /// The schema an URN names (case-insensitive).
    pub fn schema_by_urn(&self, urn: &str) -> Option<Namespace<'_>> {
        if urn.eq_ignore_ascii_case(&self.core.id) {
            return Some(Namespace::Core);
        }
        self.extensions
            .iter()
            .find(|(s, _)| s.id.eq_ignore_ascii_case(urn))
            .map(|(s, _)| Namespace::Extension(s))
    }

    pub fn extension(&self, urn: &str) -> Option<&Schema> {
        match self.schema_by_urn(urn)? {
            Namespace::Extension(s) => Some(s),
            Namespace::Core => None,
        }
    }

    /// Resolves the top-level attribute of `path`: its namespace and definition.
    pub fn resolve(&self, path: &AttrPath) -> Option<(Namespace<'_>, &AttrDef)> {
        let ns = match &path.urn {
            None => Namespace::Core,
            Some(urn) => self.schema_by_urn(urn)?,
        };
        let def = match ns {
            Namespace::Core => self.core.attr(&path.attr).or_else(|| {
                self.common
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(&path.attr))
            }),
            Namespace::Extension(s) => s.attr(&path.attr),
        }?;
        Some((ns, def))
    }

    /// Resolves `path` down to its sub-attribute when it names one.
    pub fn resolve_leaf(&self, path: &AttrPath) -> Option<&AttrDef> {
        let (_, def) = self.resolve(path)?;
        match &path.sub_attr {
            None => Some(def),
            Some(sub) => def.sub(sub),
        }
    }

    pub fn resource_type_json(&self, base_url: &str) -> serde_json::Value {
        serde_json::json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": self.name,
            "name": self.name,
            "endpoint": format!("/{}", self.endpoint),
            "description": self.description,
            "schema": self.core.id,
            "schemaExtensions": self.extensions.iter()
                .map(|(s, required)| serde_json::json!({"schema": s.id, "required": required}))
                .collect::<Vec<_>>(),
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base_url}/ResourceTypes/{}", self.name),
            },
        })
    }
}

impl AttributeTypes for ResourceSchema {
    fn core_schema(&self) -> &str {
        &self.core.id
    }
    fn attr_info(&self, path: &AttrPath) -> Option<AttrInfo> {
        let def = self.resolve_leaf(path)?;
        let (_, top) = self.resolve(path)?;
        // `emails.value` is multi-valued through its parent: filters treat it as such.
        Some(AttrInfo {
            multi_valued: top.multi_valued,
            ..def.info()
        })
    }
}

fn multi_complex(name: &str, description: &str, value: AttrDef, types: &[&str]) -> AttrDef {
    AttrDef::complex(
        name,
        description,
        vec![
            value,
            AttrDef::string(
                "display",
                "A human-readable name, primarily used for display.",
            ),
            AttrDef::string("type", "A label indicating the attribute's function.")
                .canonical(types),
            AttrDef::boolean("primary", "Whether this is the preferred value."),
        ],
    )
    .multi()
}

/// `id`, `externalId` and `meta`, common to every resource (RFC 7643 §3.1).
pub fn common_attributes() -> Vec<AttrDef> {
    vec![
        AttrDef::string("id", "Unique identifier assigned by the service provider.")
            .case_exact()
            .read_only()
            .returned(Returned::Always)
            .unique(),
        AttrDef::string(
            "externalId",
            "Identifier assigned by the provisioning client.",
        )
        .case_exact(),
        AttrDef::complex(
            "meta",
            "Resource metadata.",
            vec![
                AttrDef::string("resourceType", "The resource type.")
                    .case_exact()
                    .read_only(),
                AttrDef::date_time("created", "When the resource was added.").read_only(),
                AttrDef::date_time("lastModified", "When the resource was last updated.")
                    .read_only(),
                AttrDef::reference("location", &["uri"], "The resource's URI.").read_only(),
                AttrDef::string("version", "The resource's entity tag.")
                    .case_exact()
                    .read_only(),
            ],
        )
        .read_only(),
    ]
}

/// The role attribute: a string in the core User namespace whose values are the defined roles.
pub fn role_attribute(name: &str, roles: &[String]) -> AttrDef {
    let mut a = AttrDef::string(
        name,
        "The user's role in the application; one of the defined roles.",
    );
    a.canonical_values = roles.to_vec();
    a
}

/// The Group resource type (RFC 7643 §4.2): a display name, unique case-insensitively here,
/// and members that are users. (`members` is kept as rows by the store, never as a list in the
/// group: see the `group` module for how a PATCH changes it.)
pub fn group_schema() -> ResourceSchema {
    use AttrDef as A;
    let core = Schema {
        id: GROUP_SCHEMA.to_owned(),
        name: "Group".to_owned(),
        description: "Group".to_owned(),
        attributes: vec![
            A::string("displayName", "A human-readable name for the group.")
                .required()
                .unique(),
            A::complex(
                "members",
                "The users in the group.",
                vec![
                    A::string("value", "The id of the member.").mutability(Mutability::Immutable),
                    A::reference("$ref", &["User"], "The URI of the member.")
                        .mutability(Mutability::Immutable),
                    A::string("display", "The member's display name.").read_only(),
                    A::string("type", "The kind of member: 'User'.")
                        .canonical(&["User"])
                        .mutability(Mutability::Immutable),
                ],
            )
            .multi(),
        ],
    };
    ResourceSchema {
        name: "Group".to_owned(),
        endpoint: "Groups".to_owned(),
        description: "Group".to_owned(),
        core,
        extensions: Vec::new(),
        common: common_attributes(),
        limits: Limits::default(),
    }
}

/// The User resource type (RFC 7643 §4.1, §4.3) with the role attribute in the core namespace.
pub fn user_schema(role_attr: &str, roles: &[String]) -> ResourceSchema {
    use AttrDef as A;
    let core = Schema {
        id: USER_SCHEMA.to_owned(),
        name: "User".to_owned(),
        description: "User Account".to_owned(),
        attributes: vec![
            A::string(
                "userName",
                "Unique identifier for the user, typically an email address.",
            )
            .required()
            .unique(),
            A::complex(
                "name",
                "The components of the user's real name.",
                vec![
                    A::string("formatted", "The full name, formatted for display."),
                    A::string("familyName", "The family name."),
                    A::string("givenName", "The given name."),
                    A::string("middleName", "The middle name(s)."),
                    A::string("honorificPrefix", "The honorific prefix(es), e.g. 'Ms.'."),
                    A::string("honorificSuffix", "The honorific suffix(es), e.g. 'III'."),
                ],
            ),
            A::string("displayName", "The name of the user, suitable for display."),
            A::string("nickName", "The casual way to address the user."),
            A::reference(
                "profileUrl",
                &["external"],
                "A URI to the user's online profile.",
            ),
            A::string("title", "The user's title, such as 'Vice President'."),
            A::string(
                "userType",
                "The relationship between the organization and the user.",
            ),
            A::string(
                "preferredLanguage",
                "The user's preferred written or spoken language.",
            ),
            A::string("locale", "The user's default location, e.g. 'en-US'."),
            A::string(
                "timezone",
                "The user's time zone in IANA format, e.g. 'America/Denver'.",
            ),
            A::boolean("active", "The user's administrative status."),
            A::string("password", "The user's cleartext password; never returned.")
                .mutability(Mutability::WriteOnly)
                .returned(Returned::Never),
            multi_complex(
                "emails",
                "Email addresses for the user.",
                A::string("value", "The email address."),
                &["work", "home", "other"],
            ),
            multi_complex(
                "phoneNumbers",
                "Phone numbers for the user.",
                A::string("value", "The phone number."),
                &["work", "home", "mobile", "fax", "pager", "other"],
            ),
            multi_complex(
                "ims",
                "Instant messaging addresses for the user.",
                A::string("value", "The instant messaging address."),
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            ),
            multi_complex(
                "photos",
                "URLs of images of the user.",
                A::reference("value", &["external"], "The URL of an image of the user."),
                &["photo", "thumbnail"],
            ),
            A::complex(
                "addresses",
                "Physical mailing addresses for the user.",
                vec![
                    A::string("formatted", "The full mailing address."),
                    A::string("streetAddress", "The street address."),
                    A::string("locality", "The city or locality."),
                    A::string("region", "The state or region."),
                    A::string("postalCode", "The zip code or postal code."),
                    A::string("country", "The country name (ISO 3166-1 alpha-2)."),
                    A::string("type", "A label indicating the address's function.")
                        .canonical(&["work", "home", "other"]),
                    A::boolean("primary", "Whether this is the preferred address."),
                ],
            )
            .multi(),
            A::complex(
                "groups",
                "The groups the user belongs to; managed through the Group resource.",
                vec![
                    A::string("value", "The group's id.").read_only(),
                    A::reference("$ref", &["User", "Group"], "The group's URI.").read_only(),
                    A::string("display", "The group's display name.").read_only(),
                    A::string("type", "How the user is a member: 'direct' or 'indirect'.")
                        .canonical(&["direct", "indirect"])
                        .read_only(),
                ],
            )
            .multi()
            .read_only(),
            multi_complex(
                "entitlements",
                "Entitlements of the user.",
                A::string("value", "The entitlement."),
                &[],
            ),
            multi_complex(
                "roles",
                "Roles of the user.",
                A::string("value", "The role."),
                &[],
            ),
            multi_complex(
                "x509Certificates",
                "X.509 certificates of the user.",
                A::binary("value", "The DER-encoded certificate, base64."),
                &[],
            ),
            role_attribute(role_attr, roles),
        ],
    };
    let enterprise = Schema {
        id: ENTERPRISE_USER_SCHEMA.to_owned(),
        name: "EnterpriseUser".to_owned(),
        description: "Enterprise User".to_owned(),
        attributes: vec![
            A::string(
                "employeeNumber",
                "A string identifier, typically numeric or alphanumeric.",
            ),
            A::string("costCenter", "The name of a cost center."),
            A::string("organization", "The name of an organization."),
            A::string("division", "The name of a division."),
            A::string("department", "The name of a department."),
            A::complex(
                "manager",
                "The user's manager.",
                vec![
                    A::string("value", "The id of the manager's User resource.").case_exact(),
                    A::reference("$ref", &["User"], "The URI of the manager's User resource."),
                    A::string("displayName", "The manager's display name.").read_only(),
                ],
            ),
        ],
    };
    ResourceSchema {
        name: "User".to_owned(),
        endpoint: "Users".to_owned(),
        description: "User Account".to_owned(),
        core,
        extensions: vec![(enterprise, false)],
        common: common_attributes(),
        limits: Limits::default(),
    }
}
