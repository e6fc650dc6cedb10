//! The effects of one resource change, behind a trait so the scheduler can
//! be tested with a fake. `SdkExecutor` is the real one, over `calls`.

use super::{calls, ApplyError};
use crate::aws::Api;
use crate::model::{Address, LoggingConfigurationRef, ResourceType, StackAddress, Tags};
use crate::plan::{Op, RecordPlan, ResourceChange};
use crate::record::{self, AppliedTime, Record, TAG_APPLIED};
use crate::schema::{Field, Value, Values};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// How long a room write waits for a logging configuration to be ACTIVE.
pub const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

/// The ARNs of the resources this apply created so far, by stack and address.
pub type Created = BTreeMap<StackAddress, String>;

/// Carries out one resource change.
pub trait Executor: Clone + Send + Sync + 'static {
    /// Runs `change` of `stack`; returns the new ARN for a create. `created`
    /// holds the ARNs of every create this change depends on.
    fn execute(
        &self,
        stack: &str,
        change: &ResourceChange,
        created: &Created,
    ) -> impl Future<Output = Result<Option<String>, ApplyError>> + Send;
}

/// The real executor: API calls through aws-sdk-ivschat.
#[derive(Clone)]
pub struct SdkExecutor {
    api: Api,
}

impl SdkExecutor {
    pub fn new(api: Api) -> Self {
        SdkExecutor { api }
    }
}

/// References to configurations this apply created (of `stack`, or of
/// another stack of the run), replaced by their ARNs.
fn resolve(stack: &str, values: &Values, created: &Created) -> Result<Values, ApplyError> {
    let mut out = values.clone();
    if let Some(Value::Refs(refs)) = values.get(&Field::LoggingConfigurations) {
        let created_arn = |stack: &str, key: &str| {
            let address = StackAddress::new(stack, Address::logging_configuration(key));
            created
                .get(&address)
                .map(|a| LoggingConfigurationRef::Arn(a.clone()))
                .ok_or(ApplyError::Unresolved { address })
        };
        let resolved = refs
            .iter()
            .map(|r| match r {
                LoggingConfigurationRef::Arn(a) => Ok(LoggingConfigurationRef::Arn(a.clone())),
                LoggingConfigurationRef::Key(k) => created_arn(stack, k),
                LoggingConfigurationRef::Stack { stack, key } => created_arn(stack, key),
            })
            .collect::<Result<_, _>>()?;
        out.insert(Field::LoggingConfigurations, Value::Refs(resolved));
    }
    Ok(out)
}

/// `tags` plus the applied record of a write at `time`.
fn with_record(
    stack: &str,
    address: &Address,
    tags: &Tags,
    plan: &RecordPlan,
    time: AppliedTime,
    created: &Created,
) -> Result<Tags, ApplyError> {
    let values = resolve(stack, &plan.values, created)?;
    let record = Record::new(address, &values, &plan.tags, time).encode(&plan.identity);
    let mut tags = tags.clone();
    tags.insert(TAG_APPLIED.to_string(), record);
    Ok(tags)
}

impl Executor for SdkExecutor {
    async fn execute(
        &self,
        stack: &str,
        c: &ResourceChange,
        created: &Created,
    ) -> Result<Option<String>, ApplyError> {
        let api = &self.api;
        for arn in &c.wait_for_active {
            let label = format!(
                "logging configuration {arn} (used by {stack}/{})",
                c.address
            );
            calls::wait_active(api, &label, arn, ACTIVE_TIMEOUT).await?;
        }
        let room = c.resource_type() == ResourceType::Room;
        match &c.op {
            Op::None { .. } => Ok(None),
            Op::Create(create) => {
                let values = resolve(stack, &create.values, created)?;
                let tags = with_record(
                    stack,
                    &c.address,
                    &create.tags,
                    &create.record,
                    AppliedTime::Created,
                    created,
                )?;
                let arn = if room {
                    calls::create_room(api, &values, &tags).await?
                } else {
                    calls::create_logging_configuration(api, &values, &tags).await?
                };
                if create.await_active {
                    let label = format!("{stack}/{}", c.address);
                    calls::wait_active(api, &label, &arn, ACTIVE_TIMEOUT).await?;
                }
                Ok(Some(arn))
            }
            Op::Update(u) => {
                let mut tag = u.tag.clone();
                if !u.values.is_empty() {
                    let values = resolve(stack, &u.values, created)?;
                    let update_time = if room {
                        calls::update_room(api, &u.arn, &values).await?
                    } else {
                        calls::update_logging_configuration(api, &u.arn, &values).await?
                    };
                    if let Some(plan) = &u.record {
                        // An unknown time never proves anything: the next
                        // plan reads the resource and rewrites the record.
                        let ms = record::epoch_ms(&update_time).unwrap_or(0);
                        tag = with_record(
                            stack,
                            &c.address,
                            &tag,
                            plan,
                            AppliedTime::At(ms),
                            created,
                        )?;
                    }
                }
                if u.await_active {
                    let label = format!("{stack}/{}", c.address);
                    calls::wait_active(api, &label, &u.arn, ACTIVE_TIMEOUT).await?;
                }
                if !u.untag.is_empty() {
                    calls::untag(api, &u.arn, &u.untag).await?;
                }
                if !tag.is_empty() {
                    calls::tag(api, &u.arn, &tag).await?;
                }
                Ok(None)
            }
            Op::Delete(d) => {
                if room {
                    calls::delete_room(api, &d.arn).await?;
                } else {
                    calls::delete_logging_configuration(api, &d.arn).await?;
                }
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_references_resolve_to_created_arns() {
        let mut values = Values::new();
        values.insert(
            Field::LoggingConfigurations,
            Value::Refs(vec![
                LoggingConfigurationRef::Arn("arn:a".into()),
                LoggingConfigurationRef::Key("new".into()),
            ]),
        );
        let mut created = Created::new();
        assert!(matches!(
            resolve("s", &values, &created),
            Err(ApplyError::Unresolved { .. })
        ));
        created.insert(
            StackAddress::new("s", Address::logging_configuration("new")),
            "arn:new".into(),
        );
        assert_eq!(
            resolve("s", &values, &created).unwrap()[&Field::LoggingConfigurations],
            Value::Refs(vec![
                LoggingConfigurationRef::Arn("arn:a".into()),
                LoggingConfigurationRef::Arn("arn:new".into()),
            ])
        );
        // Another stack's configuration, created in the same run.
        let mut values = Values::new();
        values.insert(
            Field::LoggingConfigurations,
            Value::Refs(vec![LoggingConfigurationRef::Stack {
                stack: "other".into(),
                key: "shared".into(),
            }]),
        );
        assert!(resolve("s", &values, &created).is_err());
        created.insert(
            StackAddress::new("other", Address::logging_configuration("shared")),
            "arn:shared".into(),
        );
        assert_eq!(
            resolve("s", &values, &created).unwrap()[&Field::LoggingConfigurations],
            Value::Refs(vec![LoggingConfigurationRef::Arn("arn:shared".into())])
        );
    }
}
