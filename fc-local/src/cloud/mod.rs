//! FC itself, over its OpenAPI: `fc-local deploy` ([`deploy`]) and `fc-local invoke
//! --remote` ([`invoke`]). [`credentials`] finds the AccessKey, [`signature`] signs
//! with ACS3-HMAC-SHA256, [`api`] sends the calls; the function is the s.yaml's
//! `fc3` resource, read here.

pub(crate) mod api;
pub(crate) mod credentials;
pub(crate) mod deploy;
pub(crate) mod invoke;
pub(crate) mod signature;

use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use crate::args::AccessArgs;

/// One `fc3` resource of an s.yaml.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub(crate) file: PathBuf,
    pub(crate) name: String,
    pub(crate) props: Yaml,
}

impl Resource {
    /// The resource `name` (or the only fc3 one) of `explicit`, else of ./s.yaml or
    /// ./s.yml.
    pub(crate) fn load(explicit: Option<&Path>, name: Option<&str>) -> Result<Resource, String> {
        let file = match explicit {
            Some(path) => path.to_owned(),
            None => ["s.yaml", "s.yml"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
                .ok_or("no s.yaml here (or give --config PATH): it says what to deploy")?,
        };
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        Resource::parse(&text, &file, name).map_err(|e| format!("{}: {e}", file.display()))
    }

    pub(crate) fn parse(text: &str, file: &Path, name: Option<&str>) -> Result<Resource, String> {
        let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
        let doc = docs.first().ok_or("empty file")?;
        let resources = doc["resources"].as_hash().ok_or("no `resources` map")?;
        let fc3: Vec<(String, &Yaml)> = resources
            .iter()
            .filter(|(_, r)| {
                r["component"]
                    .as_str()
                    .is_some_and(|c| c == "fc3" || c.starts_with("fc3@") || c.starts_with("fc3 "))
            })
            .map(|(k, r)| (k.as_str().unwrap_or("?").to_owned(), r))
            .collect();
        let names = || {
            fc3.iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (key, resource) = match name {
            Some(wanted) => fc3.iter().find(|(k, _)| k == wanted).ok_or_else(|| {
                format!(
                    "no fc3 resource `{wanted}` (its fc3 resources: {})",
                    names()
                )
            })?,
            None => match fc3.as_slice() {
                [] => return Err("no resource with `component: fc3` (FC 3.0)".to_owned()),
                [one] => one,
                _ => {
                    return Err(format!(
                        "several fc3 resources ({}): name one with --resource",
                        names()
                    ));
                }
            },
        };
        Ok(Resource {
            file: file.to_owned(),
            name: key.clone(),
            props: resource["props"].clone(),
        })
    }

    /// A plain text prop, refused when Serverless Devs would have to fill it in.
    pub(crate) fn text(&self, key: &str) -> Result<Option<String>, String> {
        match &self.props[key] {
            Yaml::BadValue | Yaml::Null => Ok(None),
            Yaml::String(s) if s.contains("${") => Err(format!(
                "{}: `{key}: {s}` needs Serverless Devs to fill it in; write the value itself \
                 (or use `s deploy`)",
                self.describe()
            )),
            Yaml::String(s) => Ok(Some(s.clone())),
            Yaml::Integer(n) => Ok(Some(n.to_string())),
            _ => Err(format!("{}: `{key}` is not a plain value", self.describe())),
        }
    }

    /// `s.yaml (resource hello)`.
    pub(crate) fn describe(&self) -> String {
        format!("{} (resource {})", self.file.display(), self.name)
    }

    /// The function's name, `functionName` (or `--function-name`).
    pub(crate) fn function_name(&self, given: Option<&str>) -> Result<String, String> {
        match given {
            Some(name) => Ok(name.to_owned()),
            None => self
                .text("functionName")?
                .ok_or_else(|| format!("{}: no functionName", self.describe())),
        }
    }
}

/// The endpoint and credentials, checked before anything is sent: credentials
/// first (none stops everything), then the region (flag, `props.region`, the
/// profile's) unless an endpoint is given.
pub(crate) fn connect(
    access: &AccessArgs,
    region: Option<&str>,
    resource: &Resource,
) -> Result<(api::Client, String), String> {
    let credentials = credentials::Credentials::find(access.profile.as_deref())?;
    let region = region_of(region, resource, credentials.region.as_deref())?;
    let endpoint = match &access.endpoint {
        Some(url) => api::Endpoint::parse(url)?,
        None => api::Endpoint::for_region(&region)?,
    };
    Ok((api::Client::new(endpoint, credentials)?, region))
}

/// The region: `--region`, else `props.region`, else the CLI profile's.
pub(crate) fn region_of(
    flag: Option<&str>,
    resource: &Resource,
    profile: Option<&str>,
) -> Result<String, String> {
    if let Some(region) = flag {
        return Ok(region.to_owned());
    }
    if let Some(region) = resource.text("region")? {
        return Ok(region);
    }
    profile.map(str::to_owned).ok_or_else(|| {
        format!(
            "{}: no region: set props.region or pass --region",
            resource.describe()
        )
    })
}
