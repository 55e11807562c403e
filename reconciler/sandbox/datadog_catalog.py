"""The fixed lists the sandbox's Datadog serves: namespaces, log services, IAM permissions.

A representative subset of what the real API returns. ``AWS/Bedrock/Guardrails`` is left out
on purpose: the real API rejected it as unknown (terraform-provider-datadog #3961).
"""

from __future__ import annotations

NAMESPACES: tuple[str, ...] = (
    "AWS/AmazonMQ", "AWS/ApiGateway", "AWS/AppRunner", "AWS/AppStream", "AWS/AppSync",
    "AWS/Athena", "AWS/AutoScaling", "AWS/Backup", "AWS/Bedrock", "AWS/Billing",
    "AWS/Budgeting", "AWS/CertificateManager", "AWS/CloudFront", "AWS/CloudHSM",
    "AWS/CloudSearch", "AWS/CodeBuild", "AWS/Cognito", "AWS/Config", "AWS/Connect",
    "AWS/DDoSProtection", "AWS/DMS", "AWS/DocDB", "AWS/DX", "AWS/DynamoDB", "AWS/EBS",
    "AWS/EC2", "AWS/EC2/API", "AWS/EC2/InfrastructurePerformance", "AWS/EC2Spot", "AWS/ECR",
    "AWS/ECS", "AWS/EFS", "AWS/ElastiCache", "AWS/ElasticBeanstalk", "AWS/ElasticInference",
    "AWS/ElasticMapReduce", "AWS/ElasticTranscoder", "AWS/ELB", "AWS/ApplicationELB",
    "AWS/NetworkELB", "AWS/GatewayELB", "AWS/ES", "AWS/Events", "AWS/Firehose", "AWS/FSx",
    "AWS/GameLift", "AWS/GlobalAccelerator", "AWS/Glue", "AWS/Inspector", "AWS/IoT",
    "AWS/Kafka", "AWS/Kinesis", "AWS/KinesisAnalytics", "AWS/KinesisVideo", "AWS/KMS",
    "AWS/Lambda", "AWS/Lex", "AWS/Logs", "AWS/MediaConnect", "AWS/MediaConvert",
    "AWS/MediaLive", "AWS/MediaPackage", "AWS/MediaStore", "AWS/MWAA", "AWS/NATGateway",
    "AWS/Neptune", "AWS/NetworkFirewall", "AWS/OpsWorks", "AWS/Polly", "AWS/PrivateLinkEndpoints",
    "AWS/PrivateLinkServices", "AWS/RDS", "AWS/RDS/Proxy", "AWS/Redshift", "AWS/Rekognition",
    "AWS/Route53", "AWS/Route53Resolver", "AWS/S3", "AWS/S3/Storage-Lens", "AWS/SageMaker",
    "AWS/SES", "AWS/SNS", "AWS/SQS", "AWS/States", "AWS/StorageGateway", "AWS/SWF",
    "AWS/Textract", "AWS/TransitGateway", "AWS/Translate", "AWS/TrustedAdvisor", "AWS/Usage",
    "AWS/VPN", "AWS/WAFV2", "AWS/WorkSpaces", "AWS/X-Ray", "CWAgent",
)  # fmt: skip

LOGS_SERVICES: tuple[str, ...] = (
    "apigw-access-logs", "apigw-execution-logs", "elbv2", "elb", "cloudfront", "lambda",
    "redshift", "s3", "states", "waf", "network-firewall", "verified-access",
)  # fmt: skip

IAM_PERMISSIONS_STANDARD: tuple[str, ...] = (
    "apigateway:GET", "autoscaling:Describe*", "backup:List*", "budgets:ViewBudget",
    "cloudfront:GetDistributionConfig", "cloudfront:ListDistributions", "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus", "cloudtrail:LookupEvents", "cloudwatch:Describe*",
    "cloudwatch:Get*", "cloudwatch:List*", "codedeploy:List*", "codedeploy:BatchGet*",
    "directconnect:Describe*", "dynamodb:List*", "dynamodb:Describe*", "ec2:Describe*",
    "ecs:Describe*", "ecs:List*", "elasticache:Describe*", "elasticache:List*",
    "elasticfilesystem:DescribeFileSystems", "elasticloadbalancing:Describe*",
    "elasticmapreduce:List*", "elasticmapreduce:Describe*", "es:ListTags", "es:ListDomainNames",
    "es:DescribeElasticsearchDomains", "events:CreateEventBus", "health:DescribeEvents",
    "kinesis:List*", "kinesis:Describe*", "lambda:GetPolicy", "lambda:List*",
    "logs:DeleteSubscriptionFilter",
    "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:DescribeSubscriptionFilters",
    "logs:FilterLogEvents", "logs:PutSubscriptionFilter", "logs:TestMetricFilter",
    "organizations:Describe*", "organizations:List*", "rds:Describe*", "rds:List*",
    "redshift:DescribeClusters", "redshift:DescribeLoggingStatus", "route53:List*",
    "s3:GetBucketLogging", "s3:GetBucketLocation", "s3:GetBucketNotification",
    "s3:GetBucketTagging",
    "s3:ListAllMyBuckets", "s3:PutBucketNotification", "ses:Get*", "sns:List*", "sns:Publish",
    "sqs:ListQueues", "states:ListStateMachines", "states:DescribeStateMachine",
    "support:DescribeTrustedAdvisor*", "support:RefreshTrustedAdvisorCheck", "tag:GetResources",
    "tag:GetTagKeys", "tag:GetTagValues", "xray:BatchGetTraces", "xray:GetTraceSummaries",
)  # fmt: skip

IAM_PERMISSIONS_RESOURCE_COLLECTION: tuple[str, ...] = (
    "account:GetContactInformation", "amplify:ListApps", "amplify:ListArtifacts",
    "amplify:ListBackendEnvironments", "amplify:ListBranches", "backup:ListBackupVaults",
    "cloudtrail:GetEventSelectors", "ec2:GetSnapshotBlockPublicAccessState",
    "iam:GetAccountPasswordPolicy", "iam:ListRoles", "kms:GetKeyRotationStatus",
    "s3:GetBucketPolicy", "s3:GetEncryptionConfiguration",
)  # fmt: skip
