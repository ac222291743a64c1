/** The workflow bundle's entry: every workflow the `trendflow-workflows` queue runs. */
export { trendPipelineWorkflow, progressQuery } from './trend-pipeline';
export { webhookDeliveryWorkflow } from './webhook-delivery';
