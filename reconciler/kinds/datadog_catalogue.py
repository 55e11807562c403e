"""The catalogues Datadog's AWS integration validates names against, as shipped with reconciler.

Taken from the newest recorded real responses (``shared/real-traffic``), in the API's order:
- ``NAMESPACES``: ``GET /api/v2/integration/aws/available_namespaces``, recorded 2025-08-06
  (datadog-api-client-python, ``test_list_available_namespaces``). Datadog refuses any other
  name in ``metrics_config.namespace_filters`` with a 400 (terraform-provider-datadog #3961).
  Not every name starts with ``AWS/``: ``Glue``, ``WAF``, ``AmazonMWAA`` and
  ``/aws/sagemaker/...`` are real.
- ``LOG_SOURCES``: ``GET /api/v2/integration/aws/logs/services``, recorded 2024-12-09
  (terraform-provider-datadog, ``TestAccDatadogIntegrationAWSAvailableLogsServicesDatasource``).

A test keeps these equal to the newest recordings. When online, the kind can read the live
catalogues (``DatadogAwsAccount.catalogue``) and check a spec against them
(``reconciler.kinds.catalogue_check``).
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACES_RECORDED_AT = "2025-08-06"
LOG_SOURCES_RECORDED_AT = "2024-12-09"

NAMESPACES: tuple[str, ...] = (
    "AWS/ApiGateway", "AWS/AppRunner", "AWS/AppStream",
    "AWS/AppSync", "AWS/ApplicationELB", "AWS/Athena",
    "AWS/AutoScaling", "AWS/Backup", "AWS/Bedrock",
    "AWS/Billing", "AWS/Budgeting", "AWS/CertificateManager",
    "AWS/ELB", "AWS/CloudFront", "AWS/CloudHSM",
    "AWS/CloudSearch", "AWS/Logs", "AWS/CodeBuild",
    "AWS/CodeWhisperer", "AWS/Cognito", "AWS/Config",
    "AWS/Connect", "AWS/DMS", "AWS/DX",
    "AWS/DocDB", "AWS/DynamoDB", "AWS/DAX",
    "AWS/EC2", "AWS/EC2/API", "AWS/EC2/InfrastructurePerformance",
    "AWS/EC2Spot", "AWS/ElasticMapReduce", "AWS/ElastiCache",
    "AWS/ElasticBeanstalk", "AWS/EBS", "AWS/ECR",
    "AWS/ECS", "AWS/EFS", "AWS/ElasticInference",
    "AWS/ElasticTranscoder", "AWS/MediaConnect", "AWS/MediaConvert",
    "AWS/MediaLive", "AWS/MediaPackage", "AWS/MediaStore",
    "AWS/MediaTailor", "AWS/Events", "AWS/EventBridge/Pipes",
    "AWS/Scheduler", "AWS/FSx", "AWS/GameLift",
    "AWS/GlobalAccelerator", "Glue", "AWS/Inspector",
    "AWS/IoT", "AWS/KMS", "AWS/Cassandra",
    "AWS/Kinesis", "AWS/KinesisAnalytics", "AWS/Firehose",
    "AWS/Lambda", "AWS/Lex", "AWS/AmazonMQ",
    "AWS/ML", "AWS/Kafka", "AmazonMWAA",
    "AWS/MemoryDB", "AWS/NATGateway", "AWS/Neptune",
    "AWS/NetworkFirewall", "AWS/NetworkELB", "AWS/Network Manager",
    "AWS/NetworkMonitor", "AWS/ES", "AWS/AOSS",
    "AWS/OpsWorks", "AWS/PCS", "AWS/Polly",
    "AWS/PrivateLinkEndpoints", "AWS/PrivateLinkServices", "AWS/RDS",
    "AWS/RDS/Proxy", "AWS/Redshift", "AWS/Rekognition",
    "AWS/Route53", "AWS/Route53Resolver", "AWS/S3",
    "AWS/S3/Storage-Lens", "AWS/SageMaker", "/aws/sagemaker/Endpoints",
    "AWS/Sagemaker/LabelingJobs", "AWS/Sagemaker/ModelBuildingPipeline",
    "/aws/sagemaker/ProcessingJobs",
    "/aws/sagemaker/TrainingJobs", "/aws/sagemaker/TransformJobs", "AWS/SageMaker/Workteam",
    "AWS/ServiceQuotas", "AWS/DDoSProtection", "AWS/SES",
    "AWS/SNS", "AWS/SQS", "AWS/SWF",
    "AWS/States", "AWS/StorageGateway", "AWS/Textract",
    "AWS/TransitGateway", "AWS/Translate", "AWS/TrustedAdvisor",
    "AWS/Usage", "AWS/VPN", "WAF",
    "AWS/WAFV2", "AWS/WorkSpaces", "AWS/X-Ray",
)  # fmt: skip

LOG_SOURCES: tuple[str, ...] = (
    "apigw-access-logs", "apigw-execution-logs", "cloudfront", "cloudtrail", "elb",
    "elbv2", "lambda", "lambda-edge", "redshift", "s3",
    "ssm", "states", "waf",
)  # fmt: skip


@dataclass(frozen=True)
class Catalogue:
    """The names Datadog accepts, and where they come from (said in refusals)."""

    namespaces: frozenset[str]
    log_sources: frozenset[str]
    source: str


SHIPPED = Catalogue(
    namespaces=frozenset(NAMESPACES),
    log_sources=frozenset(LOG_SOURCES),
    source=(
        "docs/datadog_aws_account.md (Datadog's own lists as recorded: namespaces "
        f"{NAMESPACES_RECORDED_AT}, log sources {LOG_SOURCES_RECORDED_AT})"
    ),
)
# Key of ``ValidationInfo.context`` under which a loader may pass another ``Catalogue`` (the
# live one read once per plan); without it the shipped one is used.
CONTEXT_KEY = "datadog_catalogue"
