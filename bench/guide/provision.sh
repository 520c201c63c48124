#!/usr/bin/env bash
# The week-6 guide's aws CLI sequence, command for command, as the benchmark's baseline.
# Differences from the guide, only where it cannot run as written: the account, region and
# file paths come from variables instead of being hard-coded; the task role's policy gets
# its missing closing quote; the console step (CloudWatchFullAccess on the execution role)
# is its CLI equivalent; the subnets and security group the guide has you paste by hand
# are filled in from the earlier commands' output.
# Needs: AWS_ENDPOINT_URL (a local emulator), AWS_DEFAULT_REGION, AWS_ACCOUNT_ID, the secrets,
# and $1 = a folder holding the rendered policies/ and task-definitions/ JSON.
set -euo pipefail
files=$1

aws logs create-log-group --log-group-name "/cruddur/fargate-cluster"
aws logs put-retention-policy --log-group-name "/cruddur/fargate-cluster" --retention-in-days 1

aws ecs create-cluster \
--cluster-name cruddur \
--service-connect-defaults namespace=cruddur >/dev/null

aws ecr create-repository \
  --repository-name cruddur-python \
  --image-tag-mutability MUTABLE >/dev/null
aws ecr create-repository \
  --repository-name backend-flask \
  --image-tag-mutability MUTABLE >/dev/null
aws ecr create-repository \
  --repository-name frontend-react-js \
  --image-tag-mutability MUTABLE >/dev/null

export OTEL_EXPORTER_OTLP_HEADERS="x-honeycomb-team=$HONEYCOMB_API_KEY"
aws ssm put-parameter --type "SecureString" --name "/cruddur/backend-flask/AWS_ACCESS_KEY_ID" --value "$AWS_ACCESS_KEY_ID" >/dev/null
aws ssm put-parameter --type "SecureString" --name "/cruddur/backend-flask/AWS_SECRET_ACCESS_KEY" --value "$AWS_SECRET_ACCESS_KEY" >/dev/null
aws ssm put-parameter --type "SecureString" --name "/cruddur/backend-flask/CONNECTION_URL" --value "$PROD_CONNECTION_URL" >/dev/null
aws ssm put-parameter --type "SecureString" --name "/cruddur/backend-flask/ROLLBAR_ACCESS_TOKEN" --value "$ROLLBAR_ACCESS_TOKEN" >/dev/null
aws ssm put-parameter --type "SecureString" --name "/cruddur/backend-flask/OTEL_EXPORTER_OTLP_HEADERS" --value "x-honeycomb-team=$HONEYCOMB_API_KEY" >/dev/null

aws iam create-role \
    --role-name CruddurServiceExecutionRole \
    --assume-role-policy-document "file://$files/policies/service-assume-role-execution-policy.json" >/dev/null
aws iam put-role-policy \
    --policy-name CruddurServiceExecutionPolicy \
    --role-name CruddurServiceExecutionRole  \
    --policy-document "file://$files/policies/service-execution-policy.json"
aws iam attach-role-policy --policy-arn arn:aws:iam::aws:policy/CloudWatchFullAccess --role-name CruddurServiceExecutionRole

aws iam create-role \
    --role-name CruddurTaskRole \
    --assume-role-policy-document "{
  \"Version\":\"2012-10-17\",
  \"Statement\":[{
    \"Action\":[\"sts:AssumeRole\"],
    \"Effect\":\"Allow\",
    \"Principal\":{
      \"Service\":[\"ecs-tasks.amazonaws.com\"]
    }
  }]
}" >/dev/null
aws iam put-role-policy \
  --policy-name SSMAccessPolicy \
  --role-name CruddurTaskRole \
  --policy-document "{
  \"Version\":\"2012-10-17\",
  \"Statement\":[{
    \"Action\":[
      \"ssmmessages:CreateControlChannel\",
      \"ssmmessages:CreateDataChannel\",
      \"ssmmessages:OpenControlChannel\",
      \"ssmmessages:OpenDataChannel\"
    ],
    \"Effect\":\"Allow\",
    \"Resource\":\"*\"
  }]
}"
aws iam attach-role-policy --policy-arn arn:aws:iam::aws:policy/CloudWatchFullAccess --role-name CruddurTaskRole
aws iam attach-role-policy --policy-arn arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess --role-name CruddurTaskRole

aws ecs register-task-definition --cli-input-json "file://$files/task-definitions/backend-flask.json" >/dev/null

export DEFAULT_VPC_ID=$(aws ec2 describe-vpcs \
--filters "Name=isDefault, Values=true" \
--query "Vpcs[0].VpcId" \
--output text)

export CRUD_SERVICE_SG=$(aws ec2 create-security-group \
  --group-name "crud-srv-sg" \
  --description "Security group for Cruddur services on ECS" \
  --vpc-id $DEFAULT_VPC_ID \
  --query "GroupId" --output text)

aws ec2 authorize-security-group-ingress \
  --group-id $CRUD_SERVICE_SG \
  --protocol tcp \
  --port 80 \
  --cidr 0.0.0.0/0 >/dev/null

# The guide has you copy these from the console into the JSON by hand.
subnets=$(aws ec2 describe-subnets --filters "Name=vpc-id,Values=$DEFAULT_VPC_ID" --query "Subnets[].SubnetId" --output text | tr '\t' '\n' | sed 's/.*/"&"/' | paste -sd, -)
cat > "$files/service-backend-flask.json" <<JSON
{
  "cluster": "cruddur",
  "launchType": "FARGATE",
  "desiredCount": 1,
  "enableECSManagedTags": true,
  "enableExecuteCommand": true,
  "networkConfiguration": {
    "awsvpcConfiguration": {
      "assignPublicIp": "ENABLED",
      "securityGroups": ["$CRUD_SERVICE_SG"],
      "subnets": [$subnets]
    }
  },
  "propagateTags": "SERVICE",
  "serviceName": "backend-flask",
  "taskDefinition": "backend-flask",
  "serviceConnectConfiguration": {
    "enabled": true,
    "namespace": "cruddur",
    "services": [
      {
        "portName": "backend-flask",
        "discoveryName": "backend-flask",
        "clientAliases": [{"port": 4567}]
      }
    ]
  }
}
JSON
aws ecs create-service --cli-input-json "file://$files/service-backend-flask.json" >/dev/null
