package org.agentrouter.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import org.agentrouter.signing.ModelKeys;
import org.agentrouter.signing.ModelSigner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "model-key", mixinStandardHelpOptions = true,
        description = {"Ed25519 keys that sign model releases and controls (README: Signed releases).",
            "A job started with --trusted-model-keys refuses what none of its keys signed."},
        subcommands = {ModelKeyCommand.Generate.class, ModelKeyCommand.Show.class})
final class ModelKeyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = {"Writes a new key pair: DIR/NAME.key (private key then public key, PEM; readable by you alone)",
                "for --signing-key and --job-signing-key, and DIR/NAME.pub (public key, PEM) for --trusted-model-keys.",
                "Prints the key id that signed records carry in key_id."})
    static final class Generate implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "directory to write the two files to (created when missing)")
        Path out;

        @Option(names = "--name", description = "file name without extension (default: ${DEFAULT-VALUE})")
        String name = "model-signing";

        @Option(names = "--force", description = "overwrite existing files of that name")
        boolean force;

        @Override
        public Integer call() throws Exception {
            Path privateFile = out.resolve(name + ".key");
            Path publicFile = out.resolve(name + ".pub");
            if (!force && (Files.exists(privateFile) || Files.exists(publicFile))) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        privateFile + " or " + publicFile + " exists; pass --force to replace it (a replaced key cannot sign for the old one)");
            }
            Files.createDirectories(out);
            KeyPair pair = ModelKeys.generate();
            Files.deleteIfExists(privateFile);
            try {
                Files.createFile(privateFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(privateFile); // not a POSIX file system: protect it by other means
            }
            Files.writeString(privateFile, ModelKeys.privateKeyPem(pair));
            Files.writeString(publicFile, ModelKeys.publicKeyPem(pair.getPublic()));
            System.out.println(ModelKeys.keyId(pair.getPublic()));
            System.err.printf("private key %s (keep it secret), public key %s (key id %s)%n", privateFile, publicFile,
                    ModelKeys.keyId(pair.getPublic()));
            return 0;
        }
    }

    @Command(name = "id", mixinStandardHelpOptions = true,
            description = "Prints the key id of a key file: a signing key (NAME.key) or each public key of a PEM file or directory.")
    static final class Show implements Callable<Integer> {
        @CommandLine.Parameters(paramLabel = "FILE_OR_DIR")
        Path file;

        @Override
        public Integer call() throws Exception {
            if (Files.isRegularFile(file) && Files.readString(file).contains("PRIVATE KEY")) {
                System.out.println(ModelSigner.read(file).keyId());
            } else {
                ModelKeys.readPublicKeys(file).forEach(k -> System.out.println(ModelKeys.keyId(k)));
            }
            return 0;
        }
    }
}
