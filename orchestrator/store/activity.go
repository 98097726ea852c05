package store

import "time"

// Activity is a Step Functions activity: a task that workers poll for.
type Activity struct {
	// ARN identifies the activity; it is the key.
	ARN string
	// Name is the activity's name.
	Name string
	// CreatedAt is when it was created.
	CreatedAt time.Time
}

// ActivityCreateParams are the parameters of Store.ActivityCreate.
type ActivityCreateParams struct {
	// ARN is the new activity's ARN.
	ARN string
	// Name is its name.
	Name string
	// CreatedAt is the creation time, from the caller's clock.
	CreatedAt time.Time
}

// ActivityGetParams are the parameters of Store.ActivityGet.
type ActivityGetParams struct {
	// ARN is the activity's ARN.
	ARN string
}

// ActivityListParams are the parameters of Store.ActivityList.
type ActivityListParams struct {
	// MaxResults bounds the page size; 0 means 100.
	MaxResults int
	// NextToken continues a previous listing; empty starts from the first.
	NextToken string
}

// ActivityListResult is one page of activities, in ARN order.
type ActivityListResult struct {
	// Activities is the page.
	Activities []*Activity
	// NextToken continues the listing; empty when there is no more.
	NextToken string
}

// ActivityDeleteParams are the parameters of Store.ActivityDelete.
type ActivityDeleteParams struct {
	// ARN is the activity's ARN.
	ARN string
}
