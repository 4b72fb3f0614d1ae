// Command rotate is the Secrets Manager rotation function of the app
// client's secret: Secrets Manager invokes it for each rotation step
// (createSecret, setSecret, testSecret, finishSecret). The steps are in
// internal/rotate.
package main

import (
	"github.com/example/cognito-sam-go/functions/internal/start"
	"github.com/example/cognito-sam-go/internal/rotate"
)

func main() { start.Run("rotate", rotate.Function) }
