// Starts Amazon's DynamoDB Local bound to 127.0.0.1 only. The stock launcher binds every
// interface and has no host option; the local cloud must never listen beyond loopback.
// Run with the DynamoDB Local jar on the class path and its usual command-line flags.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    // DynamoDB Local rejects "-port 0"; accept it here and let the OS pick a free port.
    boolean anyPort = false;
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("-port") && args[i + 1].equals("0")) {
        args[i + 1] = "8000";
        anyPort = true;
      }
    }
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector serverConnector) {
        serverConnector.setHost("127.0.0.1");
        if (anyPort) {
          serverConnector.setPort(0);
        }
      }
    }
    proxy.start();
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector serverConnector) {
        // The parent process reads this line to learn the port (the port may be 0 = any free port).
        System.out.println("LISTENING 127.0.0.1:" + serverConnector.getLocalPort());
      }
    }
    proxy.join();
  }
}
